#!/usr/bin/python3
"""Where a running process's resident memory is (footprint_bench.py and by hand):
/proc/PID/smaps grouped into the main heap, thread malloc arenas, thread stacks, other
anonymous mappings, the executable's own pages and each shared library's.

  memory_map.py PID

Thread stacks are found from each thread's stack pointer (/proc/PID/task/TID/syscall,
readable for a process of the same user); a malloc arena is an anonymous mapping inside
a 64 MiB-aligned heap glibc reserved for a thread (HEAP_MAX_SIZE on 64-bit).
"""
import os
import sys

_ARENA_BYTES = 64 * 1024 * 1024


def _mappings(pid):
    """[(start, end, perms, path, {field: kB})] from /proc/PID/smaps."""
    out = []
    current = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split(None, 5)
            if "-" in head[0] and len(head) >= 5 and ":" not in head[0]:
                start, end = (int(x, 16) for x in head[0].split("-"))
                path = head[5].strip() if len(head) > 5 else ""
                current = (start, end, head[1], path, {})
                out.append(current)
            elif current is not None and line.rstrip().endswith("kB"):
                key, value = line.split(":", 1)
                current[4][key] = int(value.split()[0])
    return out


def _stack_pointers(pid):
    sps = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/syscall") as f:
                fields = f.read().split()
        except (FileNotFoundError, PermissionError):
            continue
        if len(fields) >= 3 and fields[0] != "running":
            sps.append(int(fields[-2], 16))
    return sps


def breakdown(pid):
    """{group: {"rss": kB, "anon": kB, "file": kB}} plus "total"; groups: heap, arenas,
    stacks, other-anon, exe, lib:NAME, other-file."""
    exe = os.path.realpath(f"/proc/{pid}/exe")
    maps = _mappings(pid)
    sps = _stack_pointers(pid)
    groups = {}

    def add(group, fields):
        g = groups.setdefault(group, {"rss": 0, "anon": 0, "file": 0})
        rss = fields.get("Rss", 0)
        anon = fields.get("Anonymous", 0)
        g["rss"] += rss
        g["anon"] += anon
        g["file"] += rss - anon

    for start, end, perms, path, fields in maps:
        if path == "[heap]":
            group = "heap"
        elif path == "[stack]" or any(start <= sp < end for sp in sps):
            group = "stacks"
        elif path.startswith("[") or path == "":
            # glibc's arena heaps start on a 64 MiB boundary; their unused tail is ---p.
            group = "arenas" if start % _ARENA_BYTES == 0 or _in_arena(start, maps) else \
                "other-anon"
        elif os.path.realpath(path) == exe or path.endswith(" (deleted)"):
            group = "exe"
        elif ".so" in os.path.basename(path):
            group = "lib:" + os.path.basename(path).split(".so")[0]
        else:
            group = "other-file"
        add(group, fields)
    total = {"rss": 0, "anon": 0, "file": 0}
    for g in groups.values():
        for k in total:
            total[k] += g[k]
    groups["total"] = total
    return groups


def _in_arena(start, maps):
    """True when `start` lies in a 64 MiB region whose first mapping is anonymous and
    begins on the boundary (the arena's heap_info) - the pieces of one grown arena."""
    base = start - start % _ARENA_BYTES
    return any(s == base and (p == "" or p.startswith("[anon")) for s, _, _, p, _ in maps)


def format_breakdown(groups):
    """Lines "  group  rss MiB (anon, file)", largest first, then the total."""
    rows = sorted(((k, v) for k, v in groups.items() if k != "total"),
                  key=lambda kv: -kv[1]["rss"])
    lines = [f"    {k:<22} {v['rss'] / 1024:6.2f} MiB" for k, v in rows if v["rss"] >= 64]
    small = sum(v["rss"] for k, v in rows if v["rss"] < 64)
    if small:
        lines.append(f"    {'(smaller mappings)':<22} {small / 1024:6.2f} MiB")
    t = groups["total"]
    lines.append(f"    {'total':<22} {t['rss'] / 1024:6.2f} MiB "
                 f"(anonymous {t['anon'] / 1024:.2f}, file-backed {t['file'] / 1024:.2f})")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: memory_map.py PID")
    print(format_breakdown(breakdown(int(sys.argv[1]))))
