"""Python as an HTTPS client, for the TLS capture tests (OpenSSL through the ssl module, which
uses SSL_read_ex/SSL_write_ex): `requests` over one keep-alive session, then urllib. Both honour
$SSLKEYLOGFILE. Prints one JSON line per response.

    python3 python-https.py BASE CA
"""
import hashlib
import json
import ssl
import sys
import urllib.request

import requests

base, ca = sys.argv[1], sys.argv[2]


def report(path, status, body):
    print(json.dumps({"path": path, "status": status, "responseSha": hashlib.sha256(body).hexdigest()}), flush=True)


with requests.Session() as s:
    for path in ["/py/requests/a", "/py/requests/b?q=1"]:
        r = s.get(base + path, verify=ca)
        report(path, r.status_code, r.content)
    r = s.post(base + "/py/requests/post", data=b"requests posts\n" * 40, verify=ca)
    report("/py/requests/post", r.status_code, r.content)

ctx = ssl.create_default_context(cafile=ca)
with urllib.request.urlopen(base + "/py/urllib", data=b"urllib posts\n" * 30, context=ctx) as r:
    report("/py/urllib", r.status, r.read())
