"""Hostile uploads against gunicorn in production mode: how fast each is answered, and what it costs the workers.

    python tests/bench/bench_hostile_uploads.py [--database-url sqlite:////tmp/crm-hostile.sqlite3]

Starts gunicorn (crm/gunicorn_conf.py, DEBUG off, two sync workers) on a fresh database with one sales
manager, then sends, each timed from the first byte sent to the answer's status line:
- an anonymous POST to /login/ declaring 1 GB (the body is sent until the answer comes);
- a manager's import upload declaring 60 MB;
- the .ods of 80 KB holding 10.5 MB of XML, and the .xlsx of 45 MB of shared strings
  (tests/security/hostile_files.py), uploaded as a manager.
Printed: seconds to the answer, status, MB sent, what the temporary folder grew by, each worker's peak
resident memory (VmHWM) before and after, and whether any worker was replaced (killed). A benchmark,
not a test.
"""

import argparse
import http.cookiejar
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BASE_DIR))

from tests.security.hostile_files import ods_bomb, xlsx_shared_strings_bomb  # noqa: E402

PORT = 8642
PASSWORD = "bench-hostile-2026"


def folder_size(path):
    return sum(entry.stat().st_size for entry in Path(path).rglob("*") if entry.is_file())


def workers(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    peaks = {}
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks[int(pid)] = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) // 1024
    return peaks


def session(base):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "bench.manager", "password": PASSWORD})
    opener.open(urllib.request.Request(f"{base}/login/", data=data.encode(), headers={"Referer": f"{base}/login/"}))
    cookies = {cookie.name: cookie.value for cookie in jar}
    page = opener.open(f"{base}/imports/new/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return cookies, token


def send(path, *, length, body_chunks, headers=()):
    """Send a POST declaring ``length`` bytes, body from ``body_chunks`` until the server answers."""
    started = time.perf_counter()
    sent = 0
    answer = b""
    with socket.create_connection(("127.0.0.1", PORT), timeout=120) as connection:
        head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}", *headers, "", ""]
        connection.sendall("\r\n".join(head).encode())
        pending = b""
        chunks = iter(body_chunks)
        while True:
            readable, writable, _ = select.select([connection], [connection], [], 120)
            if readable:
                answer = connection.recv(65536)
                break
            if not pending:
                pending = next(chunks, b"")
                if not pending:
                    break
            try:
                count = connection.send(pending)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += count
            pending = pending[count:]
        connection.settimeout(120)
        while b"\r\n" not in answer:
            more = connection.recv(65536)
            if not more:
                break
            answer += more
    status = answer.split(b"\r\n", 1)[0].decode(errors="replace")
    return time.perf_counter() - started, status, sent


def endless(total, size=1 << 20):
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size


def multipart(token, name, data):
    boundary = "----crmbench"
    parts = []
    for field, value in (("csrfmiddlewaretoken", token), ("target", "accounts"), ("mode", "upsert")):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="sqlite:////tmp/crm-hostile.sqlite3")
    args = parser.parse_args()
    if args.database_url.startswith("sqlite:///"):
        Path(args.database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="crm-hostile-"))
    env = {
        **os.environ, "DEBUG": "0", "HTTPS_ONLY": "0", "SECRET_KEY": "bench-" + "k" * 60, "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": args.database_url, "MEDIA_ROOT": str(scratch / "media"), "TMPDIR": str(scratch / "tmp"),
        "WEB_CONCURRENCY": "2", "BIND": f"127.0.0.1:{PORT}",
    }
    (scratch / "tmp").mkdir()
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    subprocess.run([python, "manage.py", "createcachetable"], cwd=BASE_DIR, env=env, check=True)
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "shell", "-c",
         "from django.contrib.auth.models import Group; from django.contrib.auth import get_user_model; "
         f"u = get_user_model().objects.create_user('bench.manager', password='{PASSWORD}', first_name='Bench'); "
         "u.groups.add(Group.objects.get(name='Sales Manager'))"],
        cwd=BASE_DIR, env=env, check=True,
    )
    server = subprocess.Popen([str(Path(python).parent / "gunicorn"), "-c", "crm/gunicorn_conf.py", "crm.wsgi"],
                              cwd=BASE_DIR, env=env)
    try:
        base = f"http://127.0.0.1:{PORT}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        cookies, token = session(base)
        cookie = "Cookie: " + "; ".join(f"{name}={value}" for name, value in cookies.items())
        ods, xlsx = ods_bomb(), xlsx_shared_strings_bomb()
        cases = [
            ("anonymous POST /login/ declaring 1 GB", "/login/", 1 << 30, endless(1 << 30),
             ["Content-Type: multipart/form-data; boundary=x"]),
            ("manager's import declaring 60 MB", "/imports/new/", 60 * 1048576, endless(60 * 1048576),
             [cookie, "Content-Type: multipart/form-data; boundary=x"]),
        ]
        for name, data in (("conturi.ods", ods), ("conturi.xlsx", xlsx)):
            body, content_type = multipart(token, name, data)
            chunks = [body[i:i + 65536] for i in range(0, len(body), 65536)]
            cases.append((f"{name} ({len(data) / 1048576:.2f} MB)", "/imports/new/", len(body), iter(chunks),
                          [cookie, f"Content-Type: {content_type}", f"Referer: {base}/imports/new/"]))
        before_workers = workers(server.pid)
        print(f"workers before: {before_workers} (pid: peak MB)")
        for label, path, length, chunks, headers in cases:
            tmp_before = folder_size(scratch / "tmp")
            seconds, status, sent = send(path, length=length, body_chunks=chunks, headers=headers)
            print(f"{label}: {status} in {seconds:.2f} s, {sent / 1048576:.1f} MB sent, temporary files "
                  f"+{(folder_size(scratch / 'tmp') - tmp_before) / 1048576:.1f} MB, workers {workers(server.pid)}")
        after = workers(server.pid)
        print(f"workers replaced: {sorted(set(before_workers) - set(after)) or 'none'}")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
