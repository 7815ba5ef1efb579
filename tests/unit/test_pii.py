import pyarrow as pa

from cchc.pii import PiiKind, pseudonymise, pseudonymise_array

KEY = b"test-key"


def test_same_person_same_pseudonym_across_vendor_formats():
    assert pseudonymise(PiiKind.PHONE, "0912 345 678", KEY) == pseudonymise(PiiKind.PHONE, "+84912345678", KEY)
    assert pseudonymise(PiiKind.NAME, "Nguyễn  Văn An", KEY) == pseudonymise(PiiKind.NAME, "nguyễn văn an", KEY)


def test_key_changes_pseudonym_and_clear_value_is_gone():
    a = pseudonymise(PiiKind.ID_NUMBER, "001089012345", KEY)
    b = pseudonymise(PiiKind.ID_NUMBER, "001089012345", b"other")
    assert a != b and "001089012345" not in a


def test_array_matches_scalar_and_keeps_nulls():
    out = pseudonymise_array(PiiKind.EMAIL, pa.array(["A@x.vn", None, "a@x.vn"]), KEY).to_pylist()
    assert out[0] == out[2] == pseudonymise(PiiKind.EMAIL, "a@x.vn", KEY) and out[1] is None


def test_column_pseudonyms_are_the_keyed_hmac_of_the_normalised_value_memo_or_not():
    """The column-wise path (memo, vectorised hex) gives exactly HMAC-SHA256(key, "kind:normalised")."""
    import hmac

    values = pa.array(["  Nguyễn  Văn\tAn ", "Nguye\u0302\u0303n Văn An", "", "   ", None, "LÊ THỊ B"])
    expected = ["ps_" + hmac.digest(KEY, f"name:{v}".encode(), "sha256").hex()[:32] if v else None
                for v in ("nguyễn văn an", "nguyễn văn an", None, None, None, "lê thị b")]
    assert pseudonymise_array(PiiKind.NAME, values, KEY).to_pylist() == expected  # every value new
    assert pseudonymise_array(PiiKind.NAME, values, KEY).to_pylist() == expected  # every value remembered


def test_the_keyed_sha256_states_give_the_standard_hmac_for_any_key_length():
    import hmac

    from cchc.pii import _hmac_sha256

    for key in (b"", b"k", b"x" * 64, b"y" * 65, "khóa bí mật dài hơn sáu mươi tư byte cho chắc chắn ạ".encode() * 2):
        for message in (b"", b"name:nguy\xe1\xbb\x85n v\xc4\x83n an", b"m" * 200):
            assert _hmac_sha256(key)(message) == hmac.digest(key, message, "sha256")
