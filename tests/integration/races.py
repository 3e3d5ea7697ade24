"""Racing real handler invocations on one mocked AWS, each in its own thread."""

from __future__ import annotations

import threading

from lambdas.shared import clients


class Race:
    """Holds every racer at its first PutObject until all have read, then counts lost writes.

    The barrier only lines the racers up; what each writes and what S3 (moto, made atomic
    as the local cloud makes it) refuses is untouched.
    """

    def __init__(self, racers):
        self.barrier = threading.Barrier(racers, timeout=120)
        self.held = threading.local()
        self.lost = []
        events = clients.s3().meta.events
        events.register("before-parameter-build.s3.PutObject", self._hold)
        events.register("after-call.s3.PutObject", self._count)

    def _hold(self, params, **_):
        if params["Bucket"] == "artifacts" and not getattr(self.held, "done", False):
            self.held.done = True
            self.barrier.wait()

    def _count(self, parsed, model, **_):
        code = parsed.get("Error", {}).get("Code")
        if code:
            self.lost.append(code)

    def run(self, target, racers):
        results, errors = [], []

        def one():
            try:
                results.append(target())
            except Exception as exc:  # a racer's failure fails the test below
                errors.append(exc)

        threads = [threading.Thread(target=one) for _ in range(racers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        events = clients.s3().meta.events
        events.unregister("before-parameter-build.s3.PutObject", self._hold)
        events.unregister("after-call.s3.PutObject", self._count)
        assert errors == []
        return results
