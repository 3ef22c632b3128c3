"""Concurrent writers serialise: parallel rotations and first uses never break the one-active rule."""

from concurrent.futures import ThreadPoolExecutor

from greenmark.store import KeyStatus, KeyStore

THREADS = 4
ROTATIONS_PER_THREAD = 5


def test_parallel_rotations_of_one_key_number_versions_without_gaps(store, spec):
    store.create_key("news", spec=spec)

    def rotate_several(_):
        return [store.rotate("news").version for _ in range(ROTATIONS_PER_THREAD)]

    with ThreadPoolExecutor(THREADS) as pool:
        returned = sorted(version for versions in pool.map(rotate_several, range(THREADS)) for version in versions)
    total = 1 + THREADS * ROTATIONS_PER_THREAD
    assert returned == list(range(2, total + 1))
    statuses = [key.status for key in store.list_keys()]
    assert statuses == [KeyStatus.VERIFY_ONLY] * (total - 1) + [KeyStatus.ACTIVE]


def test_parallel_first_uses_of_a_tenant_create_it_once(store, spec):
    def create(index):
        return store.create_key(f"key{index}", spec=spec, tenant="fresh").tenant

    with ThreadPoolExecutor(THREADS) as pool:
        assert list(pool.map(create, range(THREADS))) == ["fresh"] * THREADS
    assert store.list_tenants() == ["fresh"]
    assert len(store.list_keys("fresh")) == THREADS


def test_parallel_first_opens_agree_on_one_master_key(database_url, home, spec):
    def open_and_create(index):
        with KeyStore.open(url=database_url, home=home) as store:
            return store.create_key(f"key{index}", spec=spec).key_id

    with ThreadPoolExecutor(THREADS) as pool:
        key_ids = list(pool.map(open_and_create, range(THREADS)))
    with KeyStore.open(url=database_url, home=home) as store:
        assert [store.load_key(key_id).key_id for key_id in key_ids] == key_ids
