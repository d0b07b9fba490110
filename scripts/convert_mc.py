#!/usr/bin/env python3
"""Convert published multiple-choice datasets into marsim's task JSONL.

marsim cannot download data sets; fetch the files yourself, then:

    python3 scripts/convert_mc.py hellaswag   hellaswag_val.jsonl      > hellaswag.jsonl
    python3 scripts/convert_mc.py arc         ARC-Easy-Dev.jsonl       > arc_easy.jsonl   # same for ARC-Challenge
    python3 scripts/convert_mc.py piqa        valid.jsonl valid-labels.lst > piqa.jsonl
    python3 scripts/convert_mc.py winogrande  dev.jsonl                > winogrande.jsonl
    python3 scripts/convert_mc.py boolq       dev.jsonl                > boolq.jsonl

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


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def hellaswag_clean(text):
    text = text.strip().replace(" [title]", ". ")
    text = re.sub(r"\[.*?\]", "", text)
    return text.replace("  ", " ")


def hellaswag(path):
    for doc in read_jsonl(path):
        ctx = doc["ctx_a"] + " " + doc["ctx_b"].capitalize()
        yield {"context": hellaswag_clean(doc["activity_label"] + ": " + ctx),
               "choices": [hellaswag_clean(e) for e in doc["endings"]],
               "label": int(doc["label"]), "target_delimiter": " "}


def arc(path):
    for doc in read_jsonl(path):
        q = doc["question"]
        stem = q["stem"] if isinstance(q, dict) else q
        choices = q["choices"] if isinstance(q, dict) else [
            {"text": t, "label": l} for t, l in zip(doc["choices"]["text"], doc["choices"]["label"])]
        labels = [c["label"] for c in choices]
        yield {"context": f"Question: {stem}\nAnswer:", "choices": [c["text"] for c in choices],
               "label": labels.index(doc["answerKey"]), "target_delimiter": " "}


def piqa(path, labels_path):
    with open(labels_path) as f:
        labels = [int(line) for line in f if line.strip()]
    for doc, label in zip(read_jsonl(path), labels):
        yield {"context": f"Question: {doc['goal']}\nAnswer:", "choices": [doc["sol1"], doc["sol2"]],
               "label": label, "target_delimiter": " "}


def winogrande(path):
    for doc in read_jsonl(path):
        i = doc["sentence"].index("_")
        prefix, rest = doc["sentence"][:i].rstrip(), doc["sentence"][i + 1:]
        yield {"context": prefix, "choices": [doc["option1"] + rest, doc["option2"] + rest],
               "label": int(doc["answer"]) - 1, "target_delimiter": " "}


def boolq(path):
    for doc in read_jsonl(path):
        yield {"context": f"{doc['passage']}\nQuestion: {doc['question']}?\nAnswer:", "choices": ["no", "yes"],
               "label": int(bool(doc["answer"])), "target_delimiter": " "}


CONVERTERS = {"hellaswag": hellaswag, "arc": arc, "piqa": piqa, "winogrande": winogrande, "boolq": boolq}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in CONVERTERS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(CONVERTERS)}}} FILE [LABELS]")
    for item in CONVERTERS[sys.argv[1]](*sys.argv[2:]):
        print(json.dumps(item, ensure_ascii=False))
