"""A circular buffer placed on an L1 buffer (CircularBufferConfig.set_globally_allocated_address): its pages are
the buffer's shard, there from the start. As on hardware, nothing stops a kernel reading them without
cb_wait_front or packing into them without cb_reserve_back (tt-metal's sharded kernels do both); reading page i
counts the pages up to i as received, writing page i as reserved. Producer/consumer use (reserve, push, wait,
pop) works as for any CB."""

from __future__ import annotations

from tensix.cb import CircularBuffer


class ShardedCB(CircularBuffer):
    def _present(self, n: int) -> None:
        n = min(n, self.num_pages)
        if n > self.received:
            self.received = n
        if n > self.filled:
            self.filled = n

    def front_page(self, i: int):
        self._present(i + 1)
        return CircularBuffer.front_page(self, i)

    def front_tiles(self, n: int):
        self._present(n)
        return CircularBuffer.front_tiles(self, n)

    def pop_front(self, k, n: int) -> None:
        self._present(n)
        CircularBuffer.pop_front(self, k, n)

    def back_page(self, i: int):
        if i + 1 > self.reserved:
            self.reserved = i + 1
        return CircularBuffer.back_page(self, i)

    def push_back(self, k, n: int) -> None:
        if n > self.reserved:
            self.reserved = n
        self.filled = min(self.filled, self.num_pages - n)
        CircularBuffer.push_back(self, k, n)
