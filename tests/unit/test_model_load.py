"""Loading: multi-document files, lines and field paths, interpolation, `file:` inlining, never a raise."""

from __future__ import annotations

import textwrap

from user_space.model import load_paths

WORKFLOW = """\
version: v1
name: wf-a
type: workflow
workflow:
  dag:
    - name: one
      spec:
        stack: flare:7.0
        compute: ${COMPUTE}
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_multi_document_with_lines_and_paths(tmp_path):
    write(tmp_path, "m.yaml", WORKFLOW + "---\nversion: v1beta\nname: vol\ntype: volume\nvolume:\n  size: 1Gi\n"
          "  accessMode: ReadWriteMany\n  type: CloudTemp\n")
    first, second = load_paths([tmp_path], env={"COMPUTE": "runnable-default"})
    assert first.ok and first.resource.workflow.dag[0].spec.compute == "runnable-default"
    assert (second.line, second.ok) == (11, False)
    assert second.errors[0].path == "volume" and "ReadWriteOnce" in second.errors[0].message
    assert second.errors[0].line == 14


def test_field_line_and_unset_variable(tmp_path):
    write(tmp_path, "wf.yml", WORKFLOW.replace("flare:7.0", "'flare:'"))
    (item,) = load_paths([tmp_path], env={})
    (error,) = item.errors
    assert (error.path, error.line) == ("workflow.dag[0].spec.stack", 8)


def test_interpolation_can_be_turned_off(tmp_path):
    write(tmp_path, "wf.yaml", WORKFLOW)
    (item,) = load_paths([tmp_path], interpolate=False)
    assert item.resource.workflow.dag[0].spec.compute == "${COMPUTE}"


def test_placeholders_are_never_interpolated(tmp_path):
    write(tmp_path, "v.yaml", "version: ${{v1}}\nname: x\ntype: volume\n"
          "volume: {size: 1Gi, accessMode: ReadWriteOnce, type: temp}\n")
    (item,) = load_paths([tmp_path], env={"v1": "v1beta"})
    assert "documentation placeholder" in item.errors[0].message


def test_syntax_errors_and_empty_files_are_entries(tmp_path):
    write(tmp_path, "a.yaml", "name: [unclosed\n")
    write(tmp_path, "b.yaml", "# nothing\n")
    write(tmp_path, "c.txt", "ignored")
    items = load_paths([tmp_path])
    assert [i.file.rsplit("/", 1)[-1] for i in items] == ["a.yaml", "b.yaml"]
    assert "YAML syntax error" in items[0].errors[0].message and items[0].errors[0].line == 2
    assert "no Resource" in items[1].errors[0].message


def test_dag_and_bundle_files_are_inlined(tmp_path):
    write(tmp_path, "jobs/job.yaml", "stack: flare:7.0\ncompute: runnable-default\n")
    write(tmp_path, "jobs/nested.yaml", WORKFLOW.replace("${COMPUTE}", "runnable-default"))
    write(tmp_path, "wf.yaml", """\
        version: v1
        name: wf-b
        type: workflow
        workflow:
          dag:
            - {name: a, file: jobs/job.yaml}
            - {name: b, file: jobs/nested.yaml, dependencies: [a]}
        """)
    write(tmp_path, "b/bundle.yaml", """\
        version: v1beta
        name: bun
        type: bundle
        bundle:
          resources:
            - {id: wf, workspace: public, file: ../wf.yaml}
            - {id: gone, workspace: public, file: missing.yaml}
        """)
    wf = load_paths([tmp_path / "wf.yaml"])[0]
    assert wf.ok, wf.errors
    assert wf.resource.workflow.dag[0].spec.stack == "flare:7.0"
    assert wf.resource.workflow.dag[1].workflow.dag[0].name == "one"
    bundle = load_paths([tmp_path / "b"])[0]
    assert [e.path for e in bundle.errors] == ["bundle.resources[1].file"]
    assert "not found" in bundle.errors[0].message and bundle.errors[0].line == 7


def test_unreadable_and_non_mapping(tmp_path):
    write(tmp_path, "list.yaml", "- a\n- b\n")
    (item,) = load_paths([tmp_path])
    assert "mapping" in item.errors[0].message
