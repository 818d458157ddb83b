#!/usr/bin/python3
"""Signs one request with botocore's own SigV4 signer and prints the Authorization value.

Used by sigv4_signer_test.cc to cross-check skiff's signer on the same inputs. Reads a
JSON object from stdin: method, url, headers ([[name, value], ...], without X-Amz-Date,
X-Amz-Security-Token and Authorization, which botocore adds itself), body_hex, region,
service, access_key, secret_key, token (may be empty), amz_date ("20260101T000000Z").
Exit status 3 when botocore is not installed (the test then skips).
"""
import datetime
import json
import sys
from unittest import mock

try:
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
except ImportError:
    sys.stderr.write("botocore is not installed (apt-get install python3-botocore)\n")
    sys.exit(3)


def main():
    spec = json.load(sys.stdin)
    now = datetime.datetime.strptime(spec["amz_date"], "%Y%m%dT%H%M%SZ")
    request = botocore.awsrequest.AWSRequest(
        method=spec["method"],
        url=spec["url"],
        data=bytes.fromhex(spec["body_hex"]),
        headers=dict(spec["headers"]),
    )
    credentials = botocore.credentials.Credentials(
        spec["access_key"], spec["secret_key"], spec["token"] or None)
    signer = botocore.auth.SigV4Auth(credentials, spec["service"], spec["region"])
    with mock.patch.object(botocore.auth.datetime, "datetime") as fake:
        fake.utcnow.return_value = now
        signer.add_auth(request)
    print(request.headers["Authorization"])


if __name__ == "__main__":
    main()
