"""The content ID (CID) that ``ipfs add`` gives the same bytes with its default settings, so
a picture added to any IPFS node is found under the CID Soko stores for it.

Those defaults are the original UnixFS layout: the file cut into 262,144-byte chunks, each
chunk a dag-pb node holding a UnixFS ``file`` message with the chunk's bytes (no raw leaves),
the chunks gathered into a balanced tree of dag-pb ``file`` nodes of at most 174 links each,
every node hashed with SHA-256. A file of one chunk is that one leaf. ``ipfs add`` prints the
root as a CIDv0 (``Qm…``); Soko writes the same multihash as a CIDv1 (dag-pb, base32, ``bafy…``).

The two protobuf messages involved (dag-pb's PBNode/PBLink and UnixFS's Data) are encoded
here by hand. The file is read one chunk at a time and only the hashes of the finished nodes
are kept, so a file read from storage is never held whole.
"""

import base64
import hashlib
from dataclasses import dataclass
from typing import BinaryIO

CHUNK_BYTES = 262_144
MAX_LINKS = 174
CID_V1 = 0x01
DAG_PB = 0x70
SHA2_256 = 0x12
SHA2_256_LENGTH = 32
UNIXFS_FILE = 2
# The multibase prefix of base32 in lower case, without padding.
BASE32 = "b"


@dataclass(frozen=True)
class _Node:
    multihash: bytes
    tsize: int  # bytes of this node's block and of every block under it (PBLink.Tsize)
    filesize: int  # bytes of the file this node holds


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


def _uint(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def _length_prefix(field: int, length: int) -> bytes:
    return _key(field, 2) + _varint(length)


def _multihash(digest: bytes) -> bytes:
    return bytes([SHA2_256, SHA2_256_LENGTH]) + digest


def _leaf(chunk) -> _Node:
    """A dag-pb node whose Data (field 1) is UnixFS Data {Type: file, Data: chunk, filesize}."""
    head = _uint(1, UNIXFS_FILE)
    if len(chunk):
        head += _length_prefix(2, len(chunk))
    tail = _uint(3, len(chunk))
    unixfs_length = len(head) + len(chunk) + len(tail)
    outer = _length_prefix(1, unixfs_length)
    # Hashed in pieces so the chunk is never copied into a block of its own.
    sha = hashlib.sha256(outer)
    sha.update(head)
    sha.update(chunk)
    sha.update(tail)
    return _Node(_multihash(sha.digest()), len(outer) + unixfs_length, len(chunk))


def _parent(children: list[_Node]) -> _Node:
    """A dag-pb node linking ``children`` (links first, as dag-pb orders them) whose Data is
    UnixFS Data {Type: file, filesize, blocksizes: each child's file bytes}."""
    block = bytearray()
    for child in children:
        link = _length_prefix(1, len(child.multihash)) + child.multihash
        link += _length_prefix(2, 0)  # an empty Name, as ipfs add writes it
        link += _uint(3, child.tsize)
        block += _length_prefix(2, len(link)) + link
    filesize = sum(child.filesize for child in children)
    unixfs = _uint(1, UNIXFS_FILE) + _uint(3, filesize) + b"".join(_uint(4, child.filesize) for child in children)
    block += _length_prefix(1, len(unixfs)) + unixfs
    digest = hashlib.sha256(block).digest()
    return _Node(_multihash(digest), len(block) + sum(child.tsize for child in children), filesize)


class _BalancedTree:
    """The balanced layout built bottom-up as chunks arrive: a level's nodes are gathered
    under a parent as soon as there are ``MAX_LINKS`` of them."""

    def __init__(self):
        self.levels: list[list[_Node]] = [[]]

    def add(self, node: _Node, level: int = 0) -> None:
        if level == len(self.levels):
            self.levels.append([])
        self.levels[level].append(node)
        if len(self.levels[level]) == MAX_LINKS:
            full, self.levels[level] = self.levels[level], []
            self.add(_parent(full), level + 1)

    def root(self) -> _Node:
        top = max((level for level, nodes in enumerate(self.levels) if nodes), default=None)
        if top is None:
            return _leaf(b"")  # the empty file: one leaf without data
        for level in range(top):
            if self.levels[level]:
                self.add_unfilled(level)
        top = max(level for level, nodes in enumerate(self.levels) if nodes)
        while len(self.levels[top]) > 1:
            self.add_unfilled(top)
            top += 1
        return self.levels[top][0]

    def add_unfilled(self, level: int) -> None:
        nodes, self.levels[level] = self.levels[level], []
        self.add(_parent(nodes), level + 1)


def _cid_text(node: _Node) -> str:
    cid = bytes([CID_V1, DAG_PB]) + node.multihash
    return BASE32 + base64.b32encode(cid).decode("ascii").lower().rstrip("=")


def content_id(content: bytes) -> str:
    """The CIDv1 (``bafy…``) that ``ipfs add`` gives ``content``."""
    tree = _BalancedTree()
    view = memoryview(content)
    for start in range(0, len(view), CHUNK_BYTES):
        tree.add(_leaf(view[start : start + CHUNK_BYTES]))
    return _cid_text(tree.root())


def content_id_of_file(file: BinaryIO) -> str:
    """The CIDv1 of what is left to read in ``file``, read one chunk at a time."""
    tree = _BalancedTree()
    while chunk := _read_chunk(file):
        tree.add(_leaf(chunk))
    return _cid_text(tree.root())


def _read_chunk(file: BinaryIO) -> bytes:
    # A stream may answer with fewer bytes than asked before its end; chunks must be exact.
    chunk = file.read(CHUNK_BYTES)
    while chunk and len(chunk) < CHUNK_BYTES:
        more = file.read(CHUNK_BYTES - len(chunk))
        if not more:
            break
        chunk += more
    return chunk
