"""Keyed hashes and display masks for personal data."""

import pytest

from eldercare.privacy import DEV_ID_HASH_KEY, keyed_hash, mask_id, mask_name


def test_keyed_hash_is_hmac_sha256_truncated_to_32_hex():
    # reference value from: printf %s 11010519491231002X | openssl dgst -sha256 -hmac dev-only-not-secret
    assert keyed_hash("11010519491231002X", DEV_ID_HASH_KEY) == "4af17b5d71f56285d739d2875d62298f"
    assert keyed_hash("11010519491231002X", "other") == "2b5d199ebb1126cc52c7b2e2b2b1ff4c"


def test_keyed_hash_is_stable_and_depends_on_key_and_value():
    h = keyed_hash("370306195202290044", "k1")
    assert h == keyed_hash("370306195202290044", "k1")
    assert h != keyed_hash("370306195202290044", "k2")
    assert h != keyed_hash("370306195202290045", "k1")
    assert len(h) == 32 and int(h, 16) >= 0


def test_keyed_hash_refuses_an_empty_key():
    with pytest.raises(ValueError):
        keyed_hash("11010519491231002X", "")


def test_dev_key_constant():
    assert DEV_ID_HASH_KEY == "dev-only-not-secret"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三华", "张*华"), ("张三", "张*"), ("欧阳小明", "欧**明"), ("张", "*"), (" 李四 ", "李*"),
     ("阿依古丽·买买提", "阿******提"), (None, None), ("", None)],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("id_number", "masked"),
    [
        ("11010519491231002X", "110105********002X"),
        ("11010519491231002x", "110105********002X"),
        (" 110105 19491231 002X ", "110105********002X"),
        ("370306500101123", "370306*****1123"),
        ("37030619500", "370306*9500"),
        ("3703061950", "**********"),
        ("123", "***"),
        (None, None),
    ],
)
def test_mask_id_keeps_first_6_and_last_4(id_number, masked):
    assert mask_id(id_number) == masked


def test_keyed_hashes_equal_keyed_hash_one_by_one():
    from eldercare.privacy import keyed_hash, keyed_hashes
    values = ["11010519491231002X", None, "370398194001010012", ""]
    assert keyed_hashes(values, "k") == [None if v is None else keyed_hash(v, "k") for v in values]
