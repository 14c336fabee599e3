#!/usr/bin/env python3
"""A webhook receiver for the tests: verifies every request with the Standard Webhooks
reference library (PyPI `standardwebhooks`), an implementation independent of Vestibule's.

    webhook_receiver.py --port P --dir D

D/secrets holds the endpoint's secrets, one per line (read on every request, so a test can
add a rotated one). Every request is appended to D/received.jsonl as
{id, timestamp, type, verified, tampered_rejected, answered}: `verified` when the signature
checks with one of the secrets, `tampered_rejected` when the same headers with one byte of
the body changed are refused. D/mode says how to answer: ok (204), fail (503), gone (410),
redirect (302 to /elsewhere), slow (wait 5 s, then 204); ok when absent.
"""

import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

LOCK = threading.Lock()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    d = args.dir

    def read(name, default=""):
        try:
            with open(os.path.join(d, name)) as f:
                return f.read().strip()
        except FileNotFoundError:
            return default

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ready")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            secrets = [s for s in read("secrets").splitlines() if s.strip()]

            def verifies(data):
                for s in secrets:
                    try:
                        Webhook(s).verify(data, headers)
                        return True
                    except WebhookVerificationError:
                        pass
                return False

            verified = verifies(body)
            tampered = bytearray(body)
            if tampered:
                tampered[len(tampered) // 2] ^= 0x01
            tampered_rejected = not verifies(bytes(tampered))
            try:
                kind = json.loads(body).get("type")
            except ValueError:
                kind = None
            mode = read("mode", "ok")
            answer = {"ok": 204, "slow": 204, "fail": 503, "gone": 410, "redirect": 302}.get(mode, 204)
            record = {
                "id": headers.get("webhook-id"),
                "timestamp": headers.get("webhook-timestamp"),
                "signatures": len(headers.get("webhook-signature", "").split()),
                "type": kind,
                "body": body.decode("utf-8", "replace"),
                "verified": verified,
                "tampered_rejected": tampered_rejected,
                "answered": answer,
            }
            with LOCK:
                with open(os.path.join(d, "started.jsonl"), "a") as f:
                    f.write(json.dumps({"id": record["id"]}) + "\n")
            if mode == "slow":
                time.sleep(5)
            with LOCK:
                with open(os.path.join(d, "received.jsonl"), "a") as f:
                    f.write(json.dumps(record) + "\n")
            self.send_response(answer)
            if answer == 302:
                self.send_header("location", "/elsewhere")
            self.send_header("content-length", "0")
            self.end_headers()

    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
