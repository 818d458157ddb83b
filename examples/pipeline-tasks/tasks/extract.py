"""Task 1 of flow.py: emits JSON lines (shipped with their fields under format = "auto")."""
import json
import sys

rows = [{"id": i, "amount": i * 10} for i in range(1, 6)]
for r in rows:
    print(json.dumps({"message": "extracted row", "row": r["id"]}))
print("extracted %d rows" % len(rows), file=sys.stderr)
