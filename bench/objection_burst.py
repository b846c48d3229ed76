#!/usr/bin/env python3
"""A burst of residents objecting at once (issue 7): N submitters each open the notice page (their own CSRF
cookie, token and one-time submission id), wait at a barrier, then all post their objection together; some
post their form twice, as a double tap would. Afterwards the bureau's inbox must hold every accepted objection
exactly once and nothing else.

    bench/objection_burst.py BASE_URL NOTICE_ID TOKEN [N]

The server must trust X-Forwarded-For (JIUGAI_TRUST_FORWARDED_FOR=true): each submitter comes from an address
of its own, as residents on their own phones do, so the per-address limit does not refuse them. Standard
library only.
"""
import http.client
import json
import re
import sys
import threading
import time
import urllib.parse

base, notice, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
count = int(sys.argv[4]) if len(sys.argv) > 4 else 200
host = urllib.parse.urlsplit(base).netloc
barrier = threading.Barrier(count)
results = [None] * count


def hidden(html, name):
    m = re.search(r'name="%s" value="([^"]*)"' % name, html)
    return m.group(1) if m else ""


def submitter(i):
    address = "10.%d.%d.%d" % (i // 65536 % 256, i // 256 % 256, i % 256 + 1 if i % 256 < 255 else 1)
    conn = http.client.HTTPConnection(host, timeout=60)
    conn.request("GET", "/notices/%d" % notice, headers={"X-Forwarded-For": address})
    r = conn.getresponse()
    html = r.read().decode()
    cookie = r.getheader("Set-Cookie").split(";")[0]
    form = urllib.parse.urlencode({
        "csrf": hidden(html, "csrf"), "submission": hidden(html, "submission"),
        "kind": "objection", "building_unit": "%d栋%d单元" % (i % 12 + 1, i % 4 + 1),
        "mobile": "139%08d" % (50_000_000 + i), "text": "压力测试意见第%d号：请公开施工单位的联系电话。" % i,
    })
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "X-Forwarded-For": address}
    barrier.wait()
    started = time.perf_counter()
    statuses = []
    for _ in range(2 if i % 10 == 0 else 1):
        conn.request("POST", "/notices/%d/objections" % notice, body=form, headers=headers)
        r = conn.getresponse()
        r.read()
        statuses.append(r.status)
    results[i] = (statuses, time.perf_counter() - started)


def inbox():
    conn = http.client.HTTPConnection(host, timeout=60)
    conn.request("GET", "/api/notices/%d/objections" % notice, headers={"Authorization": "Bearer " + token})
    return json.loads(conn.getresponse().read())["items"]


before = len(inbox())
threads = [threading.Thread(target=submitter, args=(i,)) for i in range(count)]
wall = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.perf_counter() - wall
items = inbox()
texts = [o["text"] for o in items if o["text"].startswith("压力测试意见")]
accepted = sum(1 for s, _ in results if s[0] == 303)
latencies = sorted(t for _, t in results)
duplicates = len(texts) - len(set(texts))
print("submitters: %d (every tenth posts twice), accepted: %d, refused: %d" % (count, accepted, count - accepted))
print("stored: %d new (%d before), duplicates stored: %d" % (len(items) - before, before, duplicates))
print("burst wall time %.2f s; per submitter median %.0f ms, max %.0f ms" % (
    wall, latencies[len(latencies) // 2] * 1000, latencies[-1] * 1000))
ok = accepted == len(set(texts)) == len(texts) == len(items) - before
print("every accepted objection stored exactly once: %s" % ("yes" if ok else "NO"))
sys.exit(0 if ok else 1)
