"""Protocol tests for gokernel through jupyter_client (and raw pyzmq).

Run by kernel/clients_test.go with JUPYTER_DATA_DIR pointing at a freshly
installed kernelspec. GOKERNEL_SKIP_INTERRUPT=reason skips the interrupt
test (used when the engine cannot interrupt).
"""
import json
import os
import queue
import signal
import threading
import time
import unittest
import uuid

import zmq
from jupyter_client.manager import KernelManager, start_new_kernel
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.session import Session

TIMEOUT = 20


def collect(kc, msg_id, until_idle=True, timeout=TIMEOUT):
    """iopub messages whose parent is msg_id, through the idle status."""
    out = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=max(0.01, deadline - time.time()))
        except queue.Empty:
            break
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        out.append(m)
        if until_idle and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return out
    raise AssertionError("no idle for %s; got %s" % (msg_id, [m["msg_type"] for m in out]))


def collect_many(kc, msg_ids, timeout=TIMEOUT):
    """iopub messages grouped by parent, through the idle status of each of msg_ids."""
    got = {i: [] for i in msg_ids}
    idle = set()
    deadline = time.time() + timeout
    while idle != set(msg_ids) and time.time() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=max(0.01, deadline - time.time()))
        except queue.Empty:
            break
        pid = m["parent_header"].get("msg_id")
        if pid in got:
            got[pid].append(m)
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                idle.add(pid)
    if idle != set(msg_ids):
        raise AssertionError("no idle for %s" % (set(msg_ids) - idle))
    return got


def getter(kc, channel):
    """The blocking get_*_msg of a channel (channel.get_msg is a coroutine in jupyter_client 7)."""
    if channel is kc.control_channel:
        return kc.get_control_msg
    if channel is kc.shell_channel:
        return kc.get_shell_msg
    if channel is kc.iopub_channel:
        return kc.get_iopub_msg
    return kc.get_stdin_msg


def reply_on(kc, channel, msg_id, timeout=TIMEOUT):
    get = getter(kc, channel)
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = get(timeout=max(0.01, deadline - time.time()))
        if m["parent_header"].get("msg_id") == msg_id:
            return m
    raise AssertionError("no reply to " + msg_id)


class KernelCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="gokernel", startup_timeout=TIMEOUT)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        if cls.km.is_alive():
            cls.km.shutdown_kernel(now=True)

    def flush(self):
        for ch in (self.kc.iopub_channel, self.kc.shell_channel, self.kc.control_channel):
            while True:
                try:
                    getter(self.kc, ch)(timeout=0.05)
                except queue.Empty:
                    break

    def execute(self, code, **kw):
        msg_id = self.kc.execute(code, **kw)
        reply = reply_on(self.kc, self.kc.shell_channel, msg_id)
        return reply, collect(self.kc, msg_id)

    def stdout_of(self, msgs):
        return "".join(m["content"]["text"] for m in msgs
                       if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")


class TestOrdering(KernelCase):
    """busy first, idle last, reply on the request's own socket, parent echoed."""

    def check(self, channel, msg_type, content, reply_type, extra_types=()):
        self.flush()
        msg = self.kc.session.msg(msg_type, content)
        msg["header"]["x_unknown_field"] = "kept"  # parent_header must come back verbatim
        channel.send(msg)
        reply = reply_on(self.kc, channel, msg["header"]["msg_id"])
        self.assertEqual(reply["msg_type"], reply_type)
        self.assertEqual(reply["parent_header"].get("x_unknown_field"), "kept")
        self.assertIsInstance(reply["metadata"], dict)
        iop = collect(self.kc, msg["header"]["msg_id"])
        kinds = [m["msg_type"] for m in iop]
        self.assertEqual(iop[0]["msg_type"], "status", kinds)
        self.assertEqual(iop[0]["content"]["execution_state"], "busy", kinds)
        self.assertEqual(iop[-1]["content"]["execution_state"], "idle", kinds)
        self.assertEqual([k for k in kinds if k == "status"], ["status", "status"], kinds)
        for m in iop:
            self.assertEqual(m["parent_header"].get("x_unknown_field"), "kept")
        for t in extra_types:
            self.assertIn(t, kinds)
        return reply, iop

    def test_kernel_info(self):
        r, _ = self.check(self.kc.shell_channel, "kernel_info_request", {}, "kernel_info_reply")
        c = r["content"]
        self.assertEqual(c["protocol_version"], "5.3")
        self.assertEqual(c["language_info"]["name"], "go")
        self.assertEqual(c["language_info"]["mimetype"], "text/x-go")

    def test_kernel_info_on_control(self):
        self.check(self.kc.control_channel, "kernel_info_request", {}, "kernel_info_reply")

    def test_execute(self):
        r, iop = self.check(self.kc.shell_channel, "execute_request",
                            {"code": 'fmt.Println("hi")\n1+1', "silent": False, "store_history": True,
                             "user_expressions": {"two": "1+1"}, "allow_stdin": False, "stop_on_error": True},
                            "execute_reply", ("execute_input", "stream", "execute_result"))
        kinds = [m["msg_type"] for m in iop]
        self.assertEqual(kinds[1], "execute_input", kinds)
        self.assertLess(kinds.index("stream"), kinds.index("execute_result"))
        self.assertEqual(r["content"]["user_expressions"]["two"]["data"]["text/plain"], "2")

    def test_execute_error(self):
        r, iop = self.check(self.kc.shell_channel, "execute_request",
                            {"code": 'panic("x")', "stop_on_error": False}, "execute_reply", ("error",))
        self.assertEqual(r["content"]["status"], "error")
        self.assertTrue(r["content"]["traceback"])

    def test_execute_silent(self):
        r, iop = self.check(self.kc.shell_channel, "execute_request", {"code": "5", "silent": True},
                            "execute_reply")
        kinds = [m["msg_type"] for m in iop]
        self.assertNotIn("execute_input", kinds)
        self.assertNotIn("execute_result", kinds)

    def test_is_complete(self):
        r, _ = self.check(self.kc.shell_channel, "is_complete_request", {"code": "func f() {"},
                          "is_complete_reply")
        self.assertEqual(r["content"]["status"], "incomplete")
        for code, want in [("func f( {}", "invalid"), ("x := []int{1,\n", "incomplete"),
                           ("x := 1\n%who", "complete"), ("x := )", "invalid")]:
            r, _ = self.check(self.kc.shell_channel, "is_complete_request", {"code": code},
                              "is_complete_reply")
            self.assertEqual(r["content"]["status"], want, code)

    def test_complete(self):
        r, _ = self.check(self.kc.shell_channel, "complete_request", {"code": "fmt.Pr", "cursor_pos": 6},
                          "complete_reply")
        self.assertIsInstance(r["content"]["matches"], list)
        self.assertIsInstance(r["content"]["metadata"], dict)

    def test_inspect(self):
        r, _ = self.check(self.kc.shell_channel, "inspect_request",
                          {"code": "fmt.Println", "cursor_pos": 5, "detail_level": 0}, "inspect_reply")
        self.assertIsInstance(r["content"]["data"], dict)
        self.assertIsInstance(r["content"]["metadata"], dict)

    def test_history(self):
        r, _ = self.check(self.kc.shell_channel, "history_request",
                          {"output": False, "raw": True, "hist_access_type": "tail", "n": 5}, "history_reply")
        self.assertIsInstance(r["content"]["history"], list)

    def test_comm_info(self):
        r, _ = self.check(self.kc.shell_channel, "comm_info_request", {}, "comm_info_reply")
        self.assertEqual(r["content"]["comms"], {})

    def test_comm_open_unknown_target_is_closed(self):
        self.flush()
        comm_id = uuid.uuid4().hex
        msg = self.kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "nope", "data": {}})
        self.kc.shell_channel.send(msg)
        iop = collect(self.kc, msg["header"]["msg_id"])
        closes = [m for m in iop if m["msg_type"] == "comm_close"]
        self.assertEqual(len(closes), 1)
        self.assertEqual(closes[0]["content"]["comm_id"], comm_id)
        self.assertEqual(iop[0]["content"]["execution_state"], "busy")

    def test_unknown_type_still_busy_idle(self):
        self.flush()
        msg = self.kc.session.msg("no_such_request", {})
        self.kc.shell_channel.send(msg)
        kinds = [(m["msg_type"], m["content"].get("execution_state")) for m in collect(self.kc, msg["header"]["msg_id"])]
        self.assertEqual(kinds, [("status", "busy"), ("status", "idle")])

    def test_interrupt_idle_on_control(self):
        r, _ = self.check(self.kc.control_channel, "interrupt_request", {}, "interrupt_reply")
        self.assertEqual(r["content"]["status"], "ok")


class TestBadMessages(KernelCase):
    """Malformed or wrongly signed messages are dropped; the kernel lives on."""

    def raw_shell(self):
        ctx = zmq.Context.instance()
        s = ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        s.connect("%s://%s:%d" % (self.km.transport, self.km.ip, self.km.shell_port))
        self.addCleanup(s.close)
        return s

    def signed_frames(self, session, header, parent, meta, content):
        parts = [json.dumps(x, default=str).encode() if not isinstance(x, bytes) else x for x in (header, parent, meta, content)]
        return [b"<IDS|MSG>", session.sign(parts)] + parts

    def test_bad_messages_dropped(self):
        s = self.raw_shell()
        good = Session(key=self.km.session.key)
        bad = Session(key=b"not-the-key")
        marker = "EXECUTED-" + uuid.uuid4().hex

        def execute_msg(sess):
            m = sess.msg("execute_request", {"code": 'fmt.Println("%s")' % marker, "silent": False})
            return m

        time.sleep(0.3)
        # 1. wrong key
        m = execute_msg(bad)
        bad.send(s, m)
        # 2. garbage frames
        s.send_multipart([b"\x00\xff garbage", b"more"])
        # 3. no delimiter
        m = execute_msg(good)
        s.send_multipart([good.sign([b"{}"] * 4), json.dumps(m["header"], default=str).encode(), b"{}", b"{}", b"{}"])
        # 4. too few frames after the delimiter
        s.send_multipart([b"<IDS|MSG>", b"", b"{}"])
        # 5. correctly signed but invalid JSON
        h = good.msg_header("execute_request")
        h["date"] = h["date"].isoformat()
        s.send_multipart(self.signed_frames(good, h, {}, {}, b'{"code": "fmt.Println(1)"'))
        # 6. correctly signed, header without msg_type
        h2 = dict(h, msg_id=uuid.uuid4().hex)
        del h2["msg_type"]
        s.send_multipart(self.signed_frames(good, h2, {}, {}, {"code": 'fmt.Println("%s")' % marker}))
        # 7. replay of a valid message (signature seen before) -- first the original, then the copy
        h3 = dict(h, msg_id=uuid.uuid4().hex, msg_type="kernel_info_request")
        frames = self.signed_frames(good, h3, {}, {}, {})
        s.send_multipart(frames)
        s.send_multipart(frames)

        # exactly one reply: the original kernel_info_request
        replies = []
        deadline = time.time() + 2.0
        while time.time() < deadline:
            if s.poll(100):
                replies.append(s.recv_multipart())
        self.assertEqual(len(replies), 1, "replies to bad messages: %r" % replies)
        self.assertIn(b'"kernel_info_reply"', b"".join(replies[0]))

        # nothing executed: no iopub message mentions the marker
        seen = []
        while True:
            try:
                seen.append(self.kc.get_iopub_msg(timeout=0.2))
            except queue.Empty:
                break
        self.assertNotIn(marker, json.dumps(seen, default=str))
        self.assertNotIn("execute_input", [m["msg_type"] for m in seen])
        # kernel alive and serving
        reply, iop = self.execute('fmt.Println("alive")')
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(self.stdout_of(iop), "alive\n")
        self.kc.kernel_info()
        self.assertEqual(self.kc.get_shell_msg(timeout=TIMEOUT)["msg_type"], "kernel_info_reply")


class TestExecution(KernelCase):
    def test_10000_lines_in_order(self):
        self.flush()
        reply, iop = self.execute("for i := 0; i < 10000; i++ { fmt.Println(i) }")
        self.assertEqual(reply["content"]["status"], "ok")
        lines = self.stdout_of(iop).splitlines()
        self.assertEqual(len(lines), 10000)
        self.assertEqual(lines, [str(i) for i in range(10000)])

    def test_interleaved_streams_keep_order(self):
        self.flush()
        code = 'for i := 0; i < 50; i++ { fmt.Println("o", i); fmt.Fprintln(os.Stderr, "e", i) }'
        reply, iop = self.execute(code)
        self.assertEqual(reply["content"]["status"], "ok")
        text = "".join(m["content"]["text"] for m in iop if m["msg_type"] == "stream")
        want = "".join("o %d\ne %d\n" % (i, i) for i in range(50))
        # stdout and stderr pass through separate pipes, so only per-stream order is guaranteed
        out = [l for l in text.splitlines() if l.startswith("o")]
        err = [l for l in text.splitlines() if l.startswith("e")]
        self.assertEqual(out, [l for l in want.splitlines() if l.startswith("o")])
        self.assertEqual(err, [l for l in want.splitlines() if l.startswith("e")])

    def test_stop_on_error_aborts_queue(self):
        self.flush()
        # "run all": the first cell fails after some work; the others were
        # sent meanwhile and must be aborted.
        ids = [self.kc.execute('time.Sleep(300 * time.Millisecond)\npanic("first")'),
               self.kc.execute('fmt.Println("should not run")'),
               self.kc.execute('fmt.Println("nor this")')]
        statuses = [reply_on(self.kc, self.kc.shell_channel, i)["content"]["status"] for i in ids]
        self.assertEqual(statuses, ["error", "aborted", "aborted"])
        got = collect_many(self.kc, ids)
        for i in ids:
            kinds = [m["content"].get("execution_state") for m in got[i] if m["msg_type"] == "status"]
            self.assertEqual(kinds, ["busy", "idle"])
        self.assertNotIn("stream", [m["msg_type"] for i in ids[1:] for m in got[i]])
        reply, iop = self.execute('fmt.Println("after")')
        self.assertEqual(self.stdout_of(iop), "after\n")

    def test_no_abort_without_stop_on_error(self):
        self.flush()
        ids = [self.kc.execute('panic("first")', stop_on_error=False),
               self.kc.execute('fmt.Println("runs")')]
        statuses = [reply_on(self.kc, self.kc.shell_channel, i)["content"]["status"] for i in ids]
        self.assertEqual(statuses, ["error", "ok"])

    def test_input_request(self):
        self.flush()
        msg_id = self.kc.execute('var s string\nfmt.Scanln(&s)\nfmt.Println("got", s)', allow_stdin=True)
        req = self.kc.get_stdin_msg(timeout=TIMEOUT)
        self.assertEqual(req["msg_type"], "input_request")
        self.assertEqual(req["parent_header"]["msg_id"], msg_id)
        self.kc.input("gopher")
        reply = reply_on(self.kc, self.kc.shell_channel, msg_id)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertEqual(self.stdout_of(collect(self.kc, msg_id)), "got gopher\n")

    def test_execution_count_and_history(self):
        self.flush()
        r1, _ = self.execute("a := 1")
        r2, _ = self.execute("a + 1")
        self.assertEqual(r2["content"]["execution_count"], r1["content"]["execution_count"] + 1)
        msg_id = self.kc.history(hist_access_type="tail", n=2, output=True, raw=True)
        h = reply_on(self.kc, self.kc.shell_channel, msg_id)["content"]["history"]
        self.assertEqual([e[2][0] for e in h], ["a := 1", "a + 1"])
        self.assertEqual(h[1][2][1], "2")


class TestInterrupt(KernelCase):
    def setUp(self):
        reason = os.environ.get("GOKERNEL_SKIP_INTERRUPT")
        if reason:
            self.skipTest(reason)

    def interrupt_loop(self, send_interrupt):
        self.flush()
        self.execute("kept := 41")
        msg_id = self.kc.execute("for {}")
        time.sleep(0.5)
        t0 = time.time()
        send_interrupt()
        reply = reply_on(self.kc, self.kc.shell_channel, msg_id, timeout=5)
        took = time.time() - t0
        self.assertLess(took, 1.0, "interrupt answered after %.2fs" % took)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "KeyboardInterrupt")
        collect(self.kc, msg_id)
        r, iop = self.execute("kept + 1")
        self.assertEqual(r["content"]["status"], "ok")
        res = [m for m in iop if m["msg_type"] == "execute_result"]
        self.assertEqual(res[0]["content"]["data"]["text/plain"], "42")
        return took

    def test_interrupt_message(self):
        def send():
            msg = self.kc.session.msg("interrupt_request", {})
            self.kc.control_channel.send(msg)
            self.assertEqual(reply_on(self.kc, self.kc.control_channel, msg["header"]["msg_id"], timeout=1)["content"]["status"], "ok")
        took = self.interrupt_loop(send)
        print("interrupt_request answered in %.1f ms" % (took * 1000))

    def test_interrupt_sigint(self):
        took = self.interrupt_loop(lambda: self.km.signal_kernel(signal.SIGINT))
        print("SIGINT interrupt answered in %.1f ms" % (took * 1000))


class TestTwoClients(KernelCase):
    def test_both_see_iopub(self):
        other = BlockingKernelClient()
        other.load_connection_info(self.km.get_connection_info())
        other.start_channels()
        self.addCleanup(other.stop_channels)
        other.wait_for_ready(timeout=TIMEOUT)
        self.flush()
        time.sleep(0.2)
        msg_id = self.kc.execute('fmt.Println("to everyone")')
        reply_on(self.kc, self.kc.shell_channel, msg_id)
        for kc in (self.kc, other):
            iop = collect(kc, msg_id)
            self.assertEqual(self.stdout_of(iop), "to everyone\n")
            self.assertIn("execute_input", [m["msg_type"] for m in iop])


class TestShutdownRestart(unittest.TestCase):
    def test_shutdown_reply_and_restart(self):
        km, kc = start_new_kernel(kernel_name="gokernel", startup_timeout=TIMEOUT)
        try:
            kc.execute_interactive("v := 5", timeout=TIMEOUT)
            msg = kc.session.msg("shutdown_request", {"restart": True})
            kc.control_channel.send(msg)
            rep = reply_on(kc, kc.control_channel, msg["header"]["msg_id"])
            self.assertEqual(rep["content"], {"status": "ok", "restart": True})
            iop = collect(kc, msg["header"]["msg_id"])
            self.assertIn("shutdown_reply", [m["msg_type"] for m in iop])
            deadline = time.time() + 5
            while km.is_alive() and time.time() < deadline:
                time.sleep(0.05)
            self.assertFalse(km.is_alive(), "kernel still running after shutdown_reply")
            kc.stop_channels()
            # restart: a fresh kernel with fresh state
            km.restart_kernel(now=True)
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=TIMEOUT)
            r = kc.execute_interactive("v", timeout=TIMEOUT)
            self.assertEqual(r["content"]["status"], "error", "state survived a restart")
            r = kc.execute_interactive("w := 1", timeout=TIMEOUT)
            self.assertEqual(r["content"]["status"], "ok")
            # shutdown without restart through the manager
            km.shutdown_kernel(now=False)
            self.assertFalse(km.is_alive())
        finally:
            kc.stop_channels()
            if km.is_alive():
                km.shutdown_kernel(now=True)


if __name__ == "__main__":
    unittest.main()


class TestIPCTransport(unittest.TestCase):
    def test_ipc(self):
        import tempfile
        d = tempfile.mkdtemp()
        km = KernelManager(kernel_name="gokernel", transport="ipc", ip=os.path.join(d, "kernel"))
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=TIMEOUT)
            self.assertTrue(any(f.startswith("kernel-") for f in os.listdir(d)), os.listdir(d))
            msgs = []
            r = kc.execute_interactive('fmt.Println("over ipc")', timeout=TIMEOUT,
                                       output_hook=lambda m: msgs.append(m))
            self.assertEqual(r["content"]["status"], "ok")
            self.assertIn("over ipc\n", [m["content"].get("text") for m in msgs])
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


class TestNBClient(unittest.TestCase):
    """nbclient (what nbconvert --execute uses) runs a Go notebook."""

    def test_execute_notebook(self):
        try:
            import nbformat
            from nbclient import NotebookClient
        except ImportError as e:
            if os.environ.get("GOKERNEL_REQUIRE_CLIENTS") == "1":
                raise
            self.skipTest("nbclient/nbformat missing: %s" % e)
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_code_cell('xs := []int{1, 2, 3}\nfmt.Println(len(xs))'),
            nbformat.v4.new_code_cell('import "github.com/gokernel/gokernel/mlstd/display"\ndisplay.Markdown("**bold**")'),
            nbformat.v4.new_code_cell("xs[1] * 21"),
        ]
        NotebookClient(nb, kernel_name="gokernel", timeout=TIMEOUT).execute()
        out = [c.outputs for c in nb.cells]
        self.assertEqual(out[0][0]["text"], "3\n")
        self.assertEqual(out[1][0]["output_type"], "display_data")
        self.assertIn("text/markdown", out[1][0]["data"])
        self.assertEqual(out[2][0]["output_type"], "execute_result")
        self.assertEqual(out[2][0]["data"]["text/plain"], "42")
        self.assertEqual(nb.cells[2].execution_count, 3)
