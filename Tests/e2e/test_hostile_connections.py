"""Half-open connections cannot starve the server. Under `ulimit -n 1024`, 3,000 connections from one address that
each send half a request: the address keeps at most its cap open, each of those is closed once the request head is
late, the server's open files stay under the limit, and another client's `GET /health` answers throughout."""
import os
import resource
import shutil
import socket
import time

import httpx

from conftest import start_server

FLOOD = 3000
PER_ADDRESS = 200
HEADER_TIMEOUT = 2


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def established_from(address: str, port: int) -> int:
    """Server-side TCP connections to `port` from `address` that are established (the kernel's view)."""
    remote = "".join(f"{int(part):02X}" for part in reversed(address.split(".")))
    count = 0
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            local, peer, state = fields[1], fields[2], fields[3]
            if local.endswith(f":{port:04X}") and peer.startswith(remote + ":") and state == "01":
                count += 1
    return count


def test_half_open_flood_leaves_health_answering(store):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, FLOOD + 1024)), hard))  # room for the flood's sockets
    server = start_server({"SCRITORIO_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
                           "SCRITORIO_MAX_CONNECTIONS_PER_IP": str(PER_ADDRESS)}, store, open_files=1024)
    flood: list[socket.socket] = []
    try:
        port = int(server.url.rsplit(":", 1)[1])
        started = time.monotonic()
        for _ in range(FLOOD):
            s = socket.socket()
            s.setblocking(False)
            s.bind(("127.0.0.2", 0))  # the flood's own address; the health client is 127.0.0.1
            try:
                s.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            flood.append(s)
        time.sleep(0.2)
        for s in flood:
            try:
                s.send(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # half a request, never finished
            except OSError:
                pass  # refused already: the address is over its cap

        latencies, peak_files = [], 0
        with httpx.Client(base_url=server.url, timeout=5) as http:
            while time.monotonic() - started < HEADER_TIMEOUT * 3:
                before = time.monotonic()
                r = http.get("/health", headers={"Connection": "close"})
                latencies.append(time.monotonic() - before)
                assert r.status_code == 200, r.text
                peak_files = max(peak_files, open_files(server.proc.pid))
                time.sleep(0.05)
        assert peak_files < 1024 - 16, f"the server held {peak_files} open files"
        assert max(latencies) < 2, f"GET /health took up to {max(latencies):.2f} s during the flood"

        print(f"flood of {FLOOD}: /health p100 {max(latencies) * 1000:.0f} ms over {len(latencies)} calls, peak open files {peak_files}")
        for s in flood:
            s.close()
        flood.clear()

        # Fewer than the cap: each is closed by the server once its head is late, and nothing stays held.
        few = []
        for _ in range(50):
            s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.3", 0))
            s.sendall(b"POST /auth/v1/signup HTTP/1.1\r\nHost: x\r\n")
            few.append(s)
        time.sleep(0.5)
        assert established_from("127.0.0.3", port) == 50
        time.sleep(HEADER_TIMEOUT + 1)
        assert established_from("127.0.0.3", port) == 0, "half-sent requests' connections were left open"
        for s in few:
            s.settimeout(2)
            try:
                assert s.recv(1) == b"", "a half-sent request's connection was answered instead of closed"
            except ConnectionResetError:
                pass
            s.close()
        assert server.proc.poll() is None, "the server died"
    finally:
        for s in flood:
            s.close()
        server.stop()
        if not os.environ.get("SCRITORIO_E2E_KEEP_DATA"):
            shutil.rmtree(server.root, ignore_errors=True)
