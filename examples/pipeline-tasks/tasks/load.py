"""Task 3 of flow.py: fails on purpose with a traceback (one event under multiline)."""
import sys

print("loading 5 rows into warehouse.sales")
sys.stdout.flush()
amount = "forty"
print(f"row 4: column 'amount' is not a number: {amount!r}", file=sys.stderr)
sys.stderr.flush()
float(amount)
