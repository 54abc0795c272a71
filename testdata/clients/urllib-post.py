# POST a body of N bytes with urllib and print the status: python's own HTTP client, for the
# comparisons with `python3 -m http.server`, which answers 501 to a POST without reading its
# body (so the server closes with unread data, and the wire shows how that ends).
# Usage: python3 urllib-post.py URL N
import sys
import urllib.error
import urllib.request

url, n = sys.argv[1], int(sys.argv[2])
body = bytes(i & 0xFF for i in range(n))
request = urllib.request.Request(url, data=body, method='POST', headers={'Content-Type': 'application/octet-stream'})
try:
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        print(response.status)
except urllib.error.HTTPError as error:
    print(error.code)
