#!/usr/bin/env python3
"""SERVER.md section 8: 1,000 idle keep-alive connections plus 500 slowloris connections,
while a normal client measures /healthz latency. Prints p50/p99 and how many slow clients
the server closed. Usage: slow-clients.py [PORT] [SECONDS]   (defaults 8080, 20)"""
import resource, socket, sys, time

port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def connect():
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


idle = []
for _ in range(1000):
    s = connect()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
    s.recv(4096)
    idle.append(s)
head = b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"x" * 4096
slow = [connect() for _ in range(500)]
for s in slow:
    s.setblocking(False)

probe = connect()
latencies = []
start = time.time()
tick = 0
while time.time() - start < seconds:
    for s in slow:  # one byte per second from each slow client
        try:
            s.send(head[tick % len(head):tick % len(head) + 1])
        except OSError:
            pass
    tick += 1
    for _ in range(20):
        t0 = time.perf_counter()
        probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data or not data.endswith(b"}"):
            data += probe.recv(4096)
        latencies.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.05)

closed = 0
for s in slow:  # after the header timeout each slow client has its 408 and its close
    s.setblocking(True)
    s.settimeout(0.5)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, BlockingIOError):
        continue
    except OSError:
        pass
    closed += 1
latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print(f"probe requests: {len(latencies)}  p50 {p(0.5):.2f} ms  p99 {p(0.99):.2f} ms  max {latencies[-1]:.2f} ms")
print(f"slow clients answered or closed by the server: {closed}/500 (header timeout 10 s)")
