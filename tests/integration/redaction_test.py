"""End to end: secrets in a log are masked before the ring, so neither Elasticsearch nor
the disk buffer ever holds them, and excluded lines never reach the disk at all.

The log mixes bearer tokens, JWTs, AWS access keys, card numbers, e-mail addresses and
passwords (fresh random values each run, so nothing else can contain them) with DEBUG
lines that an `exclude` processor drops. esim holds the output back with 503s while the
ring fills, so the ring's frames are searched while they hold every event, decompressed
(the zstd CLI) as well as raw; then esim lets the documents in and they are searched too.
"""
import os
import random
import re
import string
import subprocess
import unittest

from harness import SkiffTestCase, wait_for

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def luhn_complete(prefix_digits):
    """`prefix_digits` followed by the check digit that makes the whole pass Luhn."""
    total = 0
    for i, c in enumerate(reversed(prefix_digits)):
        d = int(c)
        if i % 2 == 0:  # doubled: the check digit will take position 0
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return prefix_digits + str((10 - total % 10) % 10)


def data_dir_bytes(data_dir):
    """Every file under data_dir, raw, plus the decompressed zstd frames found in them."""
    raw_all, decoded = bytearray(), bytearray()
    for root, _, files in os.walk(data_dir):
        for name in files:
            path = os.path.join(root, name)
            if not os.path.isfile(path):  # the control socket
                continue
            with open(path, "rb") as f:
                raw = f.read()
            raw_all += raw
            starts = [m.start() for m in re.finditer(re.escape(ZSTD_MAGIC), raw)]
            for k, start in enumerate(starts):
                end = starts[k + 1] if k + 1 < len(starts) else len(raw)
                # One frame per slice; trailing bytes of a segment only make zstd complain.
                r = subprocess.run(["zstd", "-d", "-c", "-q"], input=raw[start:end],
                                   capture_output=True, check=False)
                decoded += r.stdout
    return bytes(raw_all), bytes(decoded)


class RedactionTest(SkiffTestCase):
    def make_secrets(self, rng):
        def rand(chars, n):
            return "".join(rng.choice(chars) for _ in range(n))

        b64url = string.ascii_letters + string.digits + "-_"
        card = luhn_complete("4" + rand(string.digits, 14))
        return {
            "bearer": "tk" + rand(string.ascii_letters + string.digits, 30),
            "jwt": "eyJ" + rand(b64url, 20) + ".eyJ" + rand(b64url, 40) + "." + rand(b64url, 43),
            "aws": "AKIA" + rand(string.ascii_uppercase + string.digits, 16),
            "card": card,
            "card_spaced": " ".join(card[i:i + 4] for i in range(0, 16, 4)),
            "email": "user" + rand(string.ascii_lowercase, 12) + "@example.com",
            "password": "pw" + rand(string.ascii_letters + string.digits, 14),
        }

    def test_secrets_are_neither_in_elasticsearch_nor_in_the_ring(self):
        self.es.require_esim(self)
        rng = random.Random()
        secrets = self.make_secrets(rng)
        debug_marker = "dbg" + "".join(rng.choice(string.ascii_lowercase) for _ in range(20))
        templates = [
            "GET /api seq={i} Authorization: Bearer {bearer}",
            "auth seq={i} token={jwt} ok",
            "s3 seq={i} using key {aws} for upload",
            "payment seq={i} card {card} accepted",
            "payment seq={i} card {card_spaced} declined",
            "mail seq={i} sent to {email}",
            "login seq={i} user=bob password={password}&remember=1",
            "plain seq={i} nothing secret here",
        ]
        n = 2000
        lines, kept = [], 0
        for i in range(n):
            if i % 10 == 9:
                lines.append(f"DEBUG seq={i} {debug_marker} {secrets['password']}")
            else:
                lines.append(templates[i % len(templates)].format(i=i, **secrets))
                kept += 1
        with open(os.path.join(self.logs, "app.log"), "w") as f:
            f.write("\n".join(lines) + "\n")

        self.es.faults({"request_status": 503, "request_count": 1_000_000_000})
        toml = self.config(extra='''
[[processors]]
type = "exclude"
patterns = ['^DEBUG ']

[[processors]]
type = "redact"
patterns = ["bearer_token", "jwt", "aws_access_key", "credit_card", "email", "password"]
''')
        skiff = self.skiff(toml)
        skiff.start()

        # While esim refuses everything, the ring holds every event.
        last_marker = f"seq={n - 2} ".encode()
        raw, decoded = wait_for(
            lambda: (lambda r: r if last_marker in r[1] else None)(data_dir_bytes(self.data_dir)),
            60, interval=0.5, what="the last line in the ring")
        ring_dir = os.path.join(self.data_dir, "ring")
        print(f"data_dir: {len(raw)} bytes on disk, {len(decoded)} bytes decompressed; "
              f"ring/ {'present' if os.path.isdir(ring_dir) else 'absent'}")
        # assertTrue, not assertIn: a failure must not print the haystack (the secrets).
        self.assertTrue(b"[REDACTED]" in decoded, "the search must see the masked lines")
        for name, secret in secrets.items():
            self.assertFalse(secret.encode() in raw, f"{name} on disk (raw)")
            self.assertFalse(secret.encode() in decoded, f"{name} on disk (in a zstd frame)")
        self.assertFalse(debug_marker.encode() in raw + decoded, "an excluded line reached the disk")

        # Then Elasticsearch gets exactly the kept lines, masked.
        self.es.faults({})
        self.wait_count(kept, timeout=120)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        status, dump = self.es.request("GET", f"/_esim/dump?index={self.index}")
        self.assertEqual(status, 200)
        for name, secret in secrets.items():
            self.assertFalse(secret.encode() in dump, f"{name} in a stored document")
        self.assertFalse(debug_marker.encode() in dump, "an excluded line was stored")
        docs = self.es.documents(self.index)
        self.assertEqual(len(docs), kept)
        masked = sum(1 for _, d in docs if "[REDACTED]" in d["message"])
        self.assertEqual(masked, sum(1 for i in range(n) if i % 10 != 9 and i % 8 != 7))
        for name, secret in secrets.items():
            self.assertFalse(secret in skiff.output(), f"{name} in skiff's own log")


if __name__ == "__main__":
    unittest.main()
