#!/usr/bin/env python3
"""An SMTP sink that can be told to fail, for the outage tests.

    python3 scripts/smtp_sink.py --port 2525 --dir /tmp/mail --mode-file /tmp/mode

Every accepted message is written to --dir as <n>.eml. The first word of --mode-file, read at
each RCPT TO, decides the answer: `accept` (the default when the file is absent), `tempfail`
(451, try again later), or `reject` (550, permanent). Tests flip the mode while the server
under test keeps sending.
"""
import argparse
import asyncio
import itertools
import pathlib

from aiosmtpd.controller import Controller


class FaultyHandler:
    def __init__(self, out: pathlib.Path, mode_file: pathlib.Path):
        self.out = out
        self.mode_file = mode_file
        self.counter = itertools.count(1)

    def mode(self) -> str:
        try:
            return self.mode_file.read_text().split()[0]
        except (FileNotFoundError, IndexError):
            return "accept"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        mode = self.mode()
        if mode == "tempfail":
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if mode == "reject":
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        path = self.out / f"{next(self.counter):06d}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(envelope.original_content or envelope.content)
        tmp.rename(path)  # whole files only: readers never see half a message
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=pathlib.Path, required=True)
    parser.add_argument("--mode-file", type=pathlib.Path, required=True)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(
        FaultyHandler(args.dir, args.mode_file), hostname="127.0.0.1", port=args.port
    )
    controller.start()
    print(f"smtp sink listening on 127.0.0.1:{args.port}", flush=True)
    try:
        asyncio.new_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
