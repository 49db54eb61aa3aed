"""Link timing against hand-computed cycles: latency, packets, contention, disjoint links, multicast."""

from tensix.config import MeshConfig
from tensix.noc import Fabric

CFG = MeshConfig(width=4, height=4)  # 32 B flits, 8 KiB packets, hop 9, NIU 5, NIU writes 31.28 B/cycle


def test_one_transfer_costs_niu_hops_and_flits():
    f = Fabric(CFG)
    # 2048 B = 64 data flits + 1 header; two hops: 5 (NIU) + 2*9 (hops) + 65 (flits) + 5 (NIU) = 93
    start, end, links = f.unicast(0, (0, 0), (2, 0), 2048, 0)
    assert (start, end) == (0, 93)
    assert links == ((0, 0, "E"), (1, 0, "E"))


def test_large_transfer_is_split_into_packets():
    f = Fabric(CFG)
    # 16 KiB = two packets of 257 flits; the NIU injects at 31.28 B/cycle, so the second leaves a header cycle
    # plus ceil(8192 / 31.28) = 262 cycles after the first (the link, free after 257, does not hold it up)
    _, end, _ = f.unicast(0, (0, 0), (1, 0), 16384, 0)
    assert end == 263 + 5 + 9 + 257 + 5


def test_shared_link_doubles_the_time_of_two_big_transfers():
    alone = Fabric(CFG).unicast(0, (0, 0), (2, 0), 65536, 0)[1]
    f = Fabric(CFG)
    f.unicast(0, (0, 0), (2, 0), 65536, 0)
    both = f.unicast(0, (1, 0), (2, 0), 65536, 0)[1]  # shares link (1,0)E
    assert 1.9 < both / alone < 2.1


def test_disjoint_links_do_not_slow_each_other():
    alone = Fabric(CFG).unicast(0, (0, 0), (2, 0), 65536, 0)[1]
    f = Fabric(CFG)
    f.unicast(0, (0, 0), (2, 0), 65536, 0)
    other_row = f.unicast(0, (0, 1), (2, 1), 65536, 0)[1]
    other_noc = f.unicast(1, (2, 0), (0, 0), 65536, 0)[1]
    assert other_row == alone and other_noc == alone


def test_link_counters_count_bytes_and_busy_cycles():
    f = Fabric(CFG)
    f.unicast(0, (0, 0), (2, 0), 2048, 0)
    f.unicast(0, (1, 0), (2, 0), 1024, 0)
    used = {link: (b, busy) for _, link, b, busy in f.used_links()}
    assert used == {(0, 0, "E"): (2048, 65), (1, 0, "E"): (3072, 65 + 33)}
    assert f.noc_bytes == [2048 * 2 + 1024, 0]


def test_multicast_sends_each_tree_link_once():
    f = Fabric(CFG)
    # (0,0) -> (1,0), (2,0), (1,1), (2,1): tree (0,0)E, (1,0)S, (1,0)E, (2,0)S
    _, end, links = f.multicast(0, (0, 0), ((1, 0), (2, 0), (1, 1), (2, 1)), 2048, 0)
    assert sorted(links) == sorted([(0, 0, "E"), (1, 0, "S"), (1, 0, "E"), (2, 0, "S")])
    # the packet first reserves its path: 13 + round(6.09 x 4 destinations) = 37 cycles
    assert end == 37 + 5 + 3 * 9 + 65 + 5  # deepest leaf (2, 1) is three hops away
    assert f.noc_bytes[0] == 4 * 2048


def test_a_noc_too_big_for_the_path_list_finds_paths_by_key_alike(monkeypatch):
    import tensix.noc.fabric as fabric

    def run(f):
        f.unicast(0, (0, 0), (2, 0), 4096, 0)
        f.unicast(0, (1, 0), (2, 0), 4096, 0)  # shares link (1,0)E with the first
        return f.unicast(1, (3, 3), (0, 1), 2048, 10), f.used_links()

    listed = Fabric(CFG)
    monkeypatch.setattr(fabric, "MAX_PATH_LIST", 0)
    by_dict = Fabric(CFG)
    assert listed._by_key and not by_dict._by_key
    assert run(by_dict) == run(listed)
    assert by_dict.path(0, 0, 0, 2, 0) is by_dict.path(0, 0, 0, 2, 0)  # made once, found again
