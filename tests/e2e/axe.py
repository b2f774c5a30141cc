"""The accessibility gate: axe-core (vendored in tests/e2e/vendor/axe-core, for the tests
only) checks the page a browser test is on against the WCAG 2.x A and AA rules.

A serious or critical violation fails the test, named by rule, impact, element and page
(docs/ACCESSIBILITY.md).
"""

from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = ("serious", "critical")

# Runs axe over the whole document and keeps what fails the gate. Given as a function, so
# Playwright calls it instead of eval'ing a string (the Content-Security-Policy has no
# 'unsafe-eval').
RUN_AXE = """async ([tags, impacts]) => {
  const results = await window.axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations
    .filter((rule) => impacts.includes(rule.impact))
    .flatMap((rule) => rule.nodes.map((node) => ({
      rule: rule.id, impact: rule.impact, target: node.target.join(" "), summary: node.failureSummary,
    })));
}"""


def axe_violations(page: Page) -> list[str]:
    """The page's serious and critical WCAG violations, one line per element."""
    if not page.evaluate("() => Boolean(window.axe)"):
        # Through the DevTools protocol, like Playwright's own scripts: the page's CSP does not apply.
        page.evaluate(f"() => {{ {AXE_SOURCE}\n }}")
    found = page.evaluate(RUN_AXE, [AXE_TAGS, list(FAILING_IMPACTS)])
    where = urlsplit(page.url)
    address = where.path + (f"?{where.query}" if where.query else "")
    width = page.viewport_size["width"] if page.viewport_size else "?"
    return [
        f"{item['rule']} ({item['impact']}) at {item['target']} on {address} [{width}px]: "
        + " ".join(item["summary"].split())
        for item in found
    ]
