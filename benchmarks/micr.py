"""MICR reader accuracy (`make bench`) on the real E-13B lines of ../shared/data/micr-e13b (or
MICR_DATA_DIR), on the held-out part only: the last 20% of the files by name, which the shipped model
(`python manage.py train_micr`) never saw. For the shipped networks reading by majority (as shipped:
a line they read differently is read again varied, `ctc.SECOND_LOOKS`; and without that second look),
and for each network alone, it prints the exact-line rate, the character error rate (edit
distance over characters), the routing exact rate over lines whose text holds a routing field, the
misread routing numbers that still pass their checksum, how many lines are read with enough
confidence to skip keying and how many of those are wrong, and how many wrong lines are wrong only in
their first or last character (a glyph cut by the crop)."""

from __future__ import annotations

import time

from common import setup


def edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def main() -> None:
    setup("micr")
    from apps.cheques.management.commands.train_micr import DEFAULT_DATA
    from apps.cheques.micr import ctc, ctc_training, layouts, reader
    from apps.cheques.validation import aba_checksum_ok

    if not DEFAULT_DATA.is_dir():
        print(f"micr: skipped, no data at {DEFAULT_DATA}")
        return
    _, held_out = ctc_training.split(ctc_training.load(DEFAULT_DATA))
    from django.conf import settings

    threshold = settings.CHEQUE_MIN_CONFIDENCE["micr"]
    shipped = ctc.shipped()

    def first_look(ink):
        return reader.MicrRead(*ctc.read(ink, shipped, second_looks=False))

    readers = [
        (f"the {len(shipped)} shipped networks, by majority, with second looks (shipped)", reader.read_line),
        (f"the {len(shipped)} shipped networks, by majority, without second looks", first_look),
    ]
    readers += [(f"network {'abcdefgh'[k]} alone ({path.name})", lambda ink, m=model: reader.read_line(ink, m))
                for k, (path, model) in enumerate(zip(ctc.MODEL_PATHS, shipped, strict=True))]  # fmt: skip
    for name, read_line in readers:
        _evaluate(name, held_out, read_line, threshold, layouts, aba_checksum_ok)


def _evaluate(name, held_out, read_line, threshold, layouts, aba_checksum_ok) -> None:
    exact = errors = chars = edge_only = confident = confident_wrong = 0
    routed = routing_exact = checksum_misreads = 0
    started = time.perf_counter()
    for s in held_out:
        read = read_line(s.ink)
        text = read.text
        exact += text == s.text
        if read.confidence >= threshold:
            confident += 1
            confident_wrong += text != s.text
        errors += edit_distance(text, s.text)
        chars += len(s.text)
        if text != s.text and (text[1:] == s.text[1:] or text[:-1] == s.text[:-1]):
            edge_only += 1
        truth = layouts.parse(s.text)
        if truth["routing"]:
            routed += 1
            got = layouts.parse(text, truth["country"])["routing"]
            routing_exact += got == truth["routing"]
            if got and got != truth["routing"] and truth["country"] == "us" and aba_checksum_ok(got):
                checksum_misreads += 1
    seconds = time.perf_counter() - started
    n = len(held_out)
    print(f"micr, {name}: {n} held-out lines ({chars} characters), {seconds / n * 1000:.1f} ms per line")
    print(f"  exact line {exact / n:.1%}  character error {errors / chars:.2%}")
    print(f"  routing exact {routing_exact}/{routed} = {routing_exact / max(1, routed):.1%}  "
          f"checksum-valid misreads {checksum_misreads}")  # fmt: skip
    print(f"  wrong lines wrong only in the first or last character: {edge_only} of {n - exact}")
    print(f"  read with confidence >= {threshold} (taken without keying): {confident} of {n}, "
          f"of which wrong: {confident_wrong}")  # fmt: skip


if __name__ == "__main__":
    main()
