#!/usr/bin/env python3
"""Convert published multiple-choice datasets into marsim's task JSONL.

marsim cannot download data sets; fetch the files yourself (the original releases, or a Hugging Face
`datasets` export: `load_dataset(...)[split].to_json("x.jsonl")`), then:

    python3 scripts/convert_mc.py hellaswag   hellaswag_val.jsonl      > hellaswag.jsonl
    python3 scripts/convert_mc.py arc         ARC-Easy-Dev.jsonl       > arc_easy.jsonl   # same for ARC-Challenge
    python3 scripts/convert_mc.py piqa        valid.jsonl [valid-labels.lst] > piqa.jsonl
    python3 scripts/convert_mc.py winogrande  dev.jsonl                > winogrande.jsonl
    python3 scripts/convert_mc.py boolq       dev.jsonl                > boolq.jsonl

Accepted field names, per task (original release / Hugging Face dataset):
  hellaswag   activity_label, ctx_a, ctx_b, endings, label (int or "0".."3")   (Rowan/hellaswag)
  arc         question {stem, choices[{text,label}]}, answerKey / question, choices {text[], label[]},
              answerKey                                                         (allenai/ai2_arc)
  piqa        goal, sol1, sol2 + a labels file (one 0/1 per line) / goal, sol1, sol2, label   (piqa)
  winogrande  sentence (with one "_"), option1, option2, answer ("1"/"2")      (allenai/winogrande)
  boolq       passage, question, answer (bool) / passage, question, label (0/1) (super_glue boolq)
Input files are JSON Lines; a file holding one JSON array of objects is accepted too. Items without a
label (test splits) are refused with the file and line, since marsim scores against the label.

Each output line is {"context", "choices", "label", "target_delimiter"}, following the prompts of
EleutherAI's lm-evaluation-harness for these tasks (HellaSwag's text clean-up, "Question: …\\nAnswer:"
for ARC/PIQA, "{passage}\\nQuestion: {question}?\\nAnswer:" with no/yes for BoolQ).

Winogrande differs: lm-eval scores the shared suffix after two different contexts; marsim items
share one context, so the context is the sentence up to the blank and each choice is the option
followed by the rest of the sentence (a "partial sentence" variant; numbers differ slightly from lm-eval's).
"""
import json
import re
import sys


class ConversionError(Exception):
    """A one-line problem with an input file: the file, the line and what is wrong."""


def read_records(path):
    """Yields (line number, object) for a JSON Lines file or a file holding one JSON array."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise ConversionError(f"{path}: cannot read: {e.strerror}")
    except UnicodeDecodeError:
        raise ConversionError(f"{path}: not UTF-8 text")
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as e:
            raise ConversionError(f"{path}: not valid JSON: {e.msg} at line {e.lineno}")
        for i, doc in enumerate(records, 1):
            if not isinstance(doc, dict):
                raise ConversionError(f"{path}: item {i} is not a JSON object")
            yield i, doc
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as e:
            raise ConversionError(f"{path}:{n}: not valid JSON: {e.msg}")
        if not isinstance(doc, dict):
            raise ConversionError(f"{path}:{n}: not a JSON object")
        yield n, doc


def field(doc, where, *names):
    """The first of `names` present in `doc`, else a ConversionError naming them all."""
    for name in names:
        if name in doc:
            return doc[name]
    raise ConversionError(f"{where}: missing field {' or '.join(repr(n) for n in names)}")


def label_index(value, count, where):
    """An integer label in 0..<count from an int, a digit string or a bool."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int):
        raise ConversionError(f"{where}: label {value!r} is not an integer (unlabelled test split?)")
    if not 0 <= value < count:
        raise ConversionError(f"{where}: label {value} is outside 0..{count - 1}")
    return value


def item(context, choices, label, where):
    if not isinstance(context, str) or not all(isinstance(c, str) for c in choices):
        raise ConversionError(f"{where}: context and choices must be strings")
    return {"context": context, "choices": list(choices),
            "label": label_index(label, len(choices), where), "target_delimiter": " "}


def hellaswag_clean(text):
    text = text.strip().replace(" [title]", ". ")
    text = re.sub(r"\[.*?\]", "", text)
    return text.replace("  ", " ")


def hellaswag(path):
    for n, doc in read_records(path):
        where = f"{path}:{n}"
        ctx = field(doc, where, "ctx_a") + " " + field(doc, where, "ctx_b").capitalize()
        endings = [hellaswag_clean(e) for e in field(doc, where, "endings")]
        yield item(hellaswag_clean(field(doc, where, "activity_label") + ": " + ctx), endings,
                   field(doc, where, "label"), where)


def arc(path):
    for n, doc in read_records(path):
        where = f"{path}:{n}"
        q = field(doc, where, "question")
        if isinstance(q, dict):  # the original ARC release
            stem = field(q, where, "stem")
            choices = field(q, where, "choices")
            texts, labels = [c["text"] for c in choices], [c["label"] for c in choices]
        else:                    # allenai/ai2_arc: question is the stem, choices are parallel lists
            stem = q
            choices = field(doc, where, "choices")
            texts, labels = field(choices, where, "text"), field(choices, where, "label")
        key = field(doc, where, "answerKey")
        if key not in labels:
            raise ConversionError(f"{where}: answerKey {key!r} is not one of the choice labels {labels}")
        yield item(f"Question: {stem}\nAnswer:", texts, labels.index(key), where)


def piqa(path, labels_path=None):
    labels = None
    if labels_path is not None:
        try:
            with open(labels_path, encoding="utf-8") as f:
                labels = [line.strip() for line in f if line.strip()]
        except OSError as e:
            raise ConversionError(f"{labels_path}: cannot read: {e.strerror}")
    count = 0
    for count, (n, doc) in enumerate(read_records(path), 1):
        where = f"{path}:{n}"
        if labels is not None:
            if count > len(labels):
                raise ConversionError(f"{labels_path}: {len(labels)} labels for more items in {path}")
            label = labels[count - 1]
        elif "label" in doc:
            label = doc["label"]
        else:
            raise ConversionError(f"{where}: no 'label' field; the original PIQA release keeps labels in a "
                                  f"separate file: pass it as the third argument")
        yield item(f"Question: {field(doc, where, 'goal')}\nAnswer:",
                   [field(doc, where, "sol1"), field(doc, where, "sol2")], label, where)
    if labels is not None and count != len(labels):
        raise ConversionError(f"{labels_path}: {len(labels)} labels for {count} items in {path}")


def winogrande(path):
    for n, doc in read_records(path):
        where = f"{path}:{n}"
        sentence = field(doc, where, "sentence")
        if sentence.count("_") != 1:
            raise ConversionError(f"{where}: sentence must hold exactly one '_' blank")
        i = sentence.index("_")
        prefix, rest = sentence[:i].rstrip(), sentence[i + 1:]
        answer = field(doc, where, "answer")
        label = int(answer) - 1 if isinstance(answer, (int, str)) and str(answer).strip() in ("1", "2") else answer
        yield item(prefix, [field(doc, where, "option1") + rest, field(doc, where, "option2") + rest], label, where)


def boolq(path):
    for n, doc in read_records(path):
        where = f"{path}:{n}"
        label = doc["answer"] if "answer" in doc else field(doc, where, "label")
        yield item(f"{field(doc, where, 'passage')}\nQuestion: {field(doc, where, 'question')}?\nAnswer:",
                   ["no", "yes"], label, where)


CONVERTERS = {"hellaswag": hellaswag, "arc": arc, "piqa": piqa, "winogrande": winogrande, "boolq": boolq}
USAGE = (f"usage: convert_mc.py {{{','.join(CONVERTERS)}}} FILE [LABELS]   "
         f"(LABELS: piqa's separate labels file, only when FILE has no 'label' field)")


def main(argv):
    if len(argv) < 3 or argv[1] not in CONVERTERS or (len(argv) > 3 and argv[1] != "piqa") or len(argv) > 4:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        lines = [json.dumps(i, ensure_ascii=False) for i in CONVERTERS[argv[1]](*argv[2:])]
    except ConversionError as e:
        print(f"convert_mc.py: {e}", file=sys.stderr)
        return 1
    if not lines:
        print(f"convert_mc.py: {argv[2]}: no items", file=sys.stderr)
        return 1
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
