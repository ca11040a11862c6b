"""A private, real Dovecot IMAP server for tests: its own config, passwd-file user, maildir and free
localhost port, all in a temporary directory; started in the foreground and stopped by its pid.

Needs Debian's ``dovecot-imapd`` (scripts/ensure-dovecot installs it on CI). As root, login and
internal processes run as Debian's ``dovenull``/``dovecot`` users and mail as ``dovecot``; as any
other user, everything runs as that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def available() -> bool:
    return os.path.exists(DOVECOT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Dovecot:
    root: Path
    port: int
    user: str
    password: str
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"imap://{self.user}:{self.password}@127.0.0.1:{self.port}/INBOX?processed=Processed"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start(root: Path, user: str = "compta", password: str = "secret-compta") -> Dovecot:
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    if os.getuid() == 0:
        mail_user = pwd.getpwnam("dovecot")
        uid, gid = mail_user.pw_uid, mail_user.pw_gid
        login_user, internal_user = "dovenull", "dovecot"
    else:
        uid, gid = os.getuid(), os.getgid()
        login_user = internal_user = pwd.getpwuid(uid).pw_name
    home = root / "home"
    (home / user).mkdir(parents=True, exist_ok=True)
    (root / "passwd").write_text(f"{user}:{{PLAIN}}{password}::::::\n")
    config = f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{home}/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""
    (root / "dovecot.conf").write_text(config)
    for sub in ("run", "state"):
        (root / sub).mkdir(exist_ok=True)
    if os.getuid() == 0:
        for path in (home, home / user):
            os.chown(path, uid, gid)
        os.chmod(root, 0o755)
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while True:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot exited: {err}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("dovecot did not listen in time") from None
            time.sleep(0.05)
    return Dovecot(root=root, port=port, user=user, password=password, process=process)
