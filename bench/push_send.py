"""What one push costs the synchronous code that sends it, through channels-redis: the
process's sending loop (``shop.core.services.realtime.group_send``) against a new event
loop for every push (``async_to_sync(layer.group_send)``, as pushes were sent before),
taken in turns so that both see the same load; and the Redis connections each opened.

    .venv/bin/python bench/push_send.py                 # 300 pushes each way, a group of 1
    .venv/bin/python bench/push_send.py --members 1000  # a group of 1,000 sockets of one server process
    BENCH_REDIS_URL=redis://127.0.0.1:6379/12 (the default; the group is removed at the end)
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pushes", type=int, default=300, help="pushes each way (default 300)")
    parser.add_argument("--members", type=int, default=1, help="channels in the group (default 1)")
    args = parser.parse_args()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    if urlsplit(redis_url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        sys.exit("The benchmark only talks to a local Redis.")
    os.environ.update(REDIS_URL=redis_url, DJANGO_SETTINGS_MODULE="site_config.settings", SECRET_KEY="bench-" + "x" * 60)
    import django

    django.setup()
    import redis
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from shop.core.services.realtime import group_send

    layer = get_channel_layer()
    server = redis.Redis.from_url(redis_url)
    group = "bench.push-send"
    message = {"type": "html.push", "html": "<p>" + "x" * 4000 + "</p>"}  # about an auction's push in one language
    server.zadd(f"{layer.prefix}:group:{group}".encode(), {f"specific.bench!{n}": time.time() for n in range(args.members)})
    queues = [f"{layer.prefix}specific.bench!".encode()]  # the members are sockets of one server process
    ways = {"the process's sending loop": lambda: group_send(group, message),
            "a new event loop a push": lambda: async_to_sync(layer.group_send)(group, message)}
    times = {name: [] for name in ways}
    opened = dict.fromkeys(ways, 0)
    for send in ways.values():
        send()  # warm
    for _round in range(args.pushes):
        for name, send in ways.items():
            connections = server.info("stats")["total_connections_received"]
            started = time.perf_counter()
            send()
            times[name].append((time.perf_counter() - started) * 1000)
            opened[name] += server.info("stats")["total_connections_received"] - connections
            server.delete(*queues)  # nobody reads them: keep them under the layer's capacity
    server.delete(f"{layer.prefix}:group:{group}".encode())
    server.delete(*queues)
    print(f"{args.pushes} pushes each way, in turns, to a group of {args.members}; load average {os.getloadavg()[0]:.2f}")
    print(f"| {'sent through':<28} | p50 ms | p95 ms | new Redis connections a push |")
    print(f"|{'-' * 30}|-------:|-------:|-----------------------------:|")
    for name, values in times.items():
        values.sort()
        print(f"| {name:<28} | {statistics.median(values):>6.2f} | {values[int(len(values) * 0.95)]:>6.2f} | "
              f"{opened[name] / args.pushes:>28.2f} |")


if __name__ == "__main__":
    main()
