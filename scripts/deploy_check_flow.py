"""The HTTP part of scripts/deploy_check.sh, everything through nginx (TLS, self-signed):
two SSE clients (nginx's round robin puts one on each web process), a signed WhatsApp webhook,
both clients get the message; an agent's reply goes out through the sandbox; nginx's log shows
the streams were served by different web processes."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import queue
import threading
import time

import httpx

BASE, SANDBOX, TOKEN = os.environ["CHECK_BASE"], os.environ["CHECK_SANDBOX"], os.environ["CHECK_TOKEN"]
SECRET, PHONE = os.environ["CHECK_SECRET"], os.environ["CHECK_PHONE"]
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CUSTOMER = "31612000777"


def listen(events: queue.Queue, ready: threading.Event) -> None:
    with httpx.Client(verify=False, timeout=30) as http, \
            http.stream("GET", f"{BASE}/api/v1/events", headers=AUTH) as stream:
        assert stream.status_code == 200, stream.status_code
        ready.set()
        for line in stream.iter_lines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                if event["type"] == "message.received":
                    events.put(event)
                    return


def webhook() -> bytes:
    message = {"from": CUSTOMER, "id": f"wamid.deploy{int(time.time())}", "timestamp": str(int(time.time())),
               "type": "text", "text": {"body": "Hallo, via nginx"}}
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111",
             "phone_number_id": PHONE}, "contacts": [{"profile": {"name": "Deploy"}, "wa_id": CUSTOMER}],
             "messages": [message]}
    entry = {"id": "102938475610293", "changes": [{"field": "messages", "value": value}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


def main() -> None:
    for _ in range(150):  # the processes come up
        try:
            if httpx.get(f"{BASE}/healthz", verify=False, timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    events: queue.Queue = queue.Queue()
    threads = []
    for _ in range(2):
        ready = threading.Event()
        t = threading.Thread(target=listen, args=(events, ready), daemon=True)
        t.start()
        assert ready.wait(15), "SSE stream did not open"
        threads.append(t)
    raw = webhook()
    sig = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    resp = httpx.post(f"{BASE}/webhooks/whatsapp", content=raw, verify=False,
                      headers={"Content-Type": "application/json", "X-Hub-Signature-256": sig})
    assert resp.status_code == 200, resp.text
    got = [events.get(timeout=20) for _ in threads]
    print(f"both SSE clients got message.received (conversation {got[0]['conversation_id']})")
    conv = got[0]["conversation_id"]
    reply = httpx.post(f"{BASE}/api/v1/conversations/{conv}/messages", headers=AUTH, verify=False,
                       json={"type": "text", "text": "Antwoord via nginx"})
    assert reply.status_code == 202, reply.text
    end = time.monotonic() + 30
    while time.monotonic() < end:
        sent = [r for r in httpx.get(f"{SANDBOX}/_sandbox/sent").json()["sent"] if r.get("to") == CUSTOMER]
        if sent:
            break
        time.sleep(0.2)
    assert sent and sent[-1]["request"]["text"]["body"] == "Antwoord via nginx", sent
    print("the reply reached the customer through the sandbox")
    for t in threads:
        t.join(5)
    time.sleep(1)  # nginx writes a stream's access line when it ends
    with open(os.environ["CHECK_ACCESS_LOG"]) as access:
        lines = access.read().splitlines()
    upstreams = {line.split("upstream=")[1].split()[0] for line in lines if "/api/v1/events" in line}
    assert upstreams == set(os.environ["CHECK_WEBS"].split()), upstreams
    print(f"the two streams were served by {sorted(upstreams)}: the webhook's process and the other one")


if __name__ == "__main__":
    main()
