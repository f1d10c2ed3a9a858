"""Share of mutants killed per module, from `mutmut results --all true` read on stdin.

    mutmut results --all true | python report.py
"""
import re
import sys
from collections import Counter, defaultdict

LINE = re.compile(r"^\s*(?P<module>[\w.]+?)\.(?:x_|xǁ)\S*__mutmut_\d+:\s*(?P<status>.+?)\s*$")


def main(lines):
    counts = defaultdict(Counter)
    for line in lines:
        match = LINE.match(line)
        if match:
            counts[match["module"]][match["status"]] += 1
    if not counts:
        print("no mutants found in the input", file=sys.stderr)
        return 1
    print(f"{'module':28s} {'mutants':>8s} {'killed':>8s} {'share':>7s}  other outcomes")
    for module in sorted(counts):
        c = counts[module]
        total = sum(c.values())
        killed = c["killed"] + c["timeout"]
        rest = ", ".join(f"{n} {s}" for s, n in c.most_common() if s not in ("killed", "timeout"))
        print(f"{module:28s} {total:8d} {killed:8d} {killed / total:7.1%}  {rest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.stdin))
