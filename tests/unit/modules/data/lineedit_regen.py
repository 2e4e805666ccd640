#!/usr/bin/python3
"""Regenerates lineedit_ansible.json: what ansible-playbook does with every
task of lineedit_cases.yml (local connection, JSON callback), run twice on
the same files: per task changed, failed, msg (paths spelled DIR), the
file's bytes after the first run (null: absent) and changed on the second
run. tests/unit/modules/lineedit_ansible.c compares kiso with it.
Run from the repository root: tests/unit/modules/data/lineedit_regen.py"""
import json, os, subprocess, sys, tempfile
import yaml

here = os.path.dirname(os.path.abspath(__file__))
cases = os.path.join(here, "lineedit_cases.yml")
text = open(cases).read()
play = yaml.safe_load(text)[0]
with tempfile.TemporaryDirectory() as root:
    d = os.path.join(root, "files")
    os.mkdir(d)
    for name, content in play["vars"]["initial"].items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(content.encode())
    with open(os.path.join(root, "pb.yml"), "w") as f:
        f.write(text.replace("DIR/", d + "/"))
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1",
               ANSIBLE_RETRY_FILES_ENABLED="false")
    def run():
        p = subprocess.run(["/usr/bin/ansible-playbook", "-i", "localhost,", "-c", "local",
                            "-e", "ansible_python_interpreter=/usr/bin/python3", "pb.yml"],
                           cwd=root, env=env, capture_output=True, text=True)
        return json.loads(p.stdout)["plays"][0]["tasks"]
    first = run()
    out = []
    for task, res in zip(play["tasks"], first):
        mod = [k for k in task if k != "name"][0]
        path = task[mod]["path"].replace("DIR/", d + "/")
        r = res["hosts"]["localhost"]
        try:
            content = open(path, "rb").read().decode()
        except FileNotFoundError:
            content = None
        out.append({"name": task["name"], "changed": bool(r.get("changed")),
                    "failed": bool(r.get("failed")),
                    "msg": str(r.get("msg", "")).replace(d + "/", "DIR/"),
                    "content": content})
    for o, res in zip(out, run()):
        o["changed2"] = bool(res["hosts"]["localhost"].get("changed"))
json.dump(out, open(os.path.join(here, "lineedit_ansible.json"), "w"), indent=1)
print("%d cases" % len(out))
