"""Prints the link token of every invitation email in a folder of .eml files (the server's
`file` mail transport), one per line. scripts/bench.sh feeds them to bench/accept_invite.lua.

    python3 bench/link_tokens.py MAIL_DIR
"""

import email
import pathlib
import re
import sys

LINK = re.compile(r"/invite/([A-Za-z0-9_-]+)")

for path in sorted(pathlib.Path(sys.argv[1]).glob("*.eml")):
    message = email.message_from_bytes(path.read_bytes())
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            found = LINK.search(part.get_payload(decode=True).decode())
            if found:
                print(found.group(1))
            break
