"""Tests of scripts/convert_mc.py on records shaped like each task's original release and its
Hugging Face export (field names as published). Run: python3 -m unittest discover -s scripts/tests"""
import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import convert_mc  # noqa: E402


class ConvertTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, records, array=False):
        path = os.path.join(self.dir.name, name)
        with open(path, "w", encoding="utf-8") as f:
            if array:
                json.dump(records, f)
            else:
                f.write("".join(json.dumps(r) + "\n" for r in records))
        return path

    def run_main(self, *args):
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = convert_mc.main(["convert_mc.py", *args])
        items = [json.loads(line) for line in out.getvalue().splitlines()]
        return code, items, err.getvalue()

    def test_hellaswag_hf(self):
        path = self.write("h.jsonl", [{"ind": 4, "activity_label": "Removing ice from car", "ctx_a": "Then, the man writes over the snow.",
                                       "ctx_b": "then", "ctx": "...", "endings": ["a [title] b", "c", "d", "e"],
                                       "source_id": "x", "split": "val", "split_type": "indomain", "label": "3"}])
        code, items, _ = self.run_main("hellaswag", path)
        self.assertEqual(code, 0)
        self.assertEqual(items, [{"context": "Removing ice from car: Then, the man writes over the snow. Then",
                                  "choices": ["a. b", "c", "d", "e"], "label": 3, "target_delimiter": " "}])

    def test_arc_original_and_hf(self):
        original = self.write("a.jsonl", [{"id": "q1", "answerKey": "B", "question": {"stem": "Which?", "choices": [
            {"text": "x", "label": "A"}, {"text": "y", "label": "B"}]}}])
        hf = self.write("b.jsonl", [{"id": "q1", "question": "Which?", "choices": {"text": ["x", "y", "z"], "label": ["1", "2", "3"]},
                                     "answerKey": "3"}])
        self.assertEqual(self.run_main("arc", original)[1][0], {"context": "Question: Which?\nAnswer:", "choices": ["x", "y"],
                                                                "label": 1, "target_delimiter": " "})
        self.assertEqual(self.run_main("arc", hf)[1][0]["label"], 2)

    def test_piqa_labels_file_and_hf_label(self):
        docs = [{"goal": "g1", "sol1": "a", "sol2": "b"}, {"goal": "g2", "sol1": "c", "sol2": "d"}]
        path = self.write("p.jsonl", docs)
        labels = os.path.join(self.dir.name, "labels.lst")
        with open(labels, "w") as f:
            f.write("1\n0\n")
        code, items, _ = self.run_main("piqa", path, labels)
        self.assertEqual(code, 0)
        self.assertEqual([i["label"] for i in items], [1, 0])
        self.assertEqual(items[0]["context"], "Question: g1\nAnswer:")
        hf = self.write("p2.jsonl", [dict(d, label=i) for i, d in enumerate(docs)])
        self.assertEqual([i["label"] for i in self.run_main("piqa", hf)[1]], [0, 1])

    def test_piqa_without_labels_is_a_clear_error(self):
        path = self.write("p.jsonl", [{"goal": "g", "sol1": "a", "sol2": "b"}])
        code, items, err = self.run_main("piqa", path)
        self.assertEqual(code, 1)
        self.assertEqual(items, [])
        self.assertIn(f"{path}:1: no 'label' field", err)
        self.assertEqual(err.count("\n"), 1)

    def test_piqa_label_count_mismatch(self):
        path = self.write("p.jsonl", [{"goal": "g", "sol1": "a", "sol2": "b"}] * 2)
        labels = os.path.join(self.dir.name, "labels.lst")
        with open(labels, "w") as f:
            f.write("1\n")
        code, _, err = self.run_main("piqa", path, labels)
        self.assertEqual(code, 1)
        self.assertIn("1 labels for more items", err)

    def test_winogrande_hf(self):
        path = self.write("w.jsonl", [{"sentence": "Sarah was a much better surgeon than Maria so _ always got the easier cases.",
                                       "option1": "Sarah", "option2": "Maria", "answer": "2"}])
        self.assertEqual(self.run_main("winogrande", path)[1][0],
                         {"context": "Sarah was a much better surgeon than Maria so",
                          "choices": ["Sarah always got the easier cases.", "Maria always got the easier cases."],
                          "label": 1, "target_delimiter": " "})

    def test_winogrande_test_split_without_answer_is_refused(self):
        path = self.write("w.jsonl", [{"sentence": "a _ b", "option1": "x", "option2": "y", "answer": ""}])
        code, _, err = self.run_main("winogrande", path)
        self.assertEqual(code, 1)
        self.assertIn(f"{path}:1: label '' is not an integer", err)

    def test_boolq_original_and_super_glue(self):
        original = self.write("b.jsonl", [{"question": "is it", "title": "t", "answer": True, "passage": "P"}])
        glue = self.write("g.json", [{"question": "is it", "passage": "P", "idx": 0, "label": 0}], array=True)
        self.assertEqual(self.run_main("boolq", original)[1][0], {"context": "P\nQuestion: is it?\nAnswer:",
                                                                  "choices": ["no", "yes"], "label": 1, "target_delimiter": " "})
        self.assertEqual(self.run_main("boolq", glue)[1][0]["label"], 0)

    def test_missing_field_and_bad_json_name_file_and_line(self):
        path = self.write("b.jsonl", [{"question": "q", "answer": True}])
        code, _, err = self.run_main("boolq", path)
        self.assertEqual((code, err.strip()), (1, f"convert_mc.py: {path}:1: missing field 'passage'"))
        bad = os.path.join(self.dir.name, "bad.jsonl")
        with open(bad, "w") as f:
            f.write('\n{oops\n')
        code, _, err = self.run_main("arc", bad)
        self.assertEqual(code, 1)
        self.assertIn(f"{bad}:2: not valid JSON", err)

    def test_usage(self):
        code, _, err = self.run_main("nope", "x")
        self.assertEqual(code, 2)
        self.assertIn("usage: convert_mc.py {hellaswag,arc,piqa,winogrande,boolq} FILE [LABELS]", err)
        self.assertEqual(self.run_main("arc", "x", "y")[0], 2)


if __name__ == "__main__":
    unittest.main()
