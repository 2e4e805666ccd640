#!/usr/bin/python3
"""Regenerates filemods_ansible.json: what ansible-playbook does with every
task of filemods_cases.yml (local connection, JSON callback), run twice:
per task changed, failed, the final state of its path after the first run
(type, mode, content, link target; null when absent) and changed on the
second run. tests/unit/modules/filemods_ansible.c compares kiso with it.
Run from the repository root: tests/unit/modules/data/filemods_regen.py"""
import json, os, stat, subprocess, tempfile
import yaml

here = os.path.dirname(os.path.abspath(__file__))
cases = os.path.join(here, "filemods_cases.yml")
text = open(cases).read()
play = yaml.safe_load(text)[0]


def state(p):
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return None
    r = {"mode": "%04o" % stat.S_IMODE(st.st_mode)}
    if stat.S_ISLNK(st.st_mode):
        r.update(type="link", target=os.readlink(p))
        del r["mode"]
    elif stat.S_ISDIR(st.st_mode):
        r["type"] = "directory"
    else:
        r.update(type="file", content=open(p, "rb").read().decode())
    return r


with tempfile.TemporaryDirectory() as root:
    d = os.path.join(root, "files")
    os.mkdir(d)
    os.umask(0o022)
    for name, v in play["vars"]["initial"].items():
        p = os.path.join(d, name)
        if isinstance(v, str):
            v = {"content": v, "mode": "0644"}
        if "dir" in v:
            os.mkdir(p)
            os.chmod(p, int(v["dir"], 8))
        elif "link" in v:
            os.symlink(v["link"], p)
        else:
            with open(p, "w") as f:
                f.write(v["content"])
            os.chmod(p, int(v["mode"], 8))
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

    out = []
    for task, res in zip(play["tasks"], run()):
        mod = [k for k in task if k != "name"][0]
        args = task[mod]
        path = (args.get("path") or args.get("dest")).replace("DIR/", d + "/")
        r = res["hosts"]["localhost"]
        out.append({"name": task["name"], "changed": bool(r.get("changed")),
                    "failed": bool(r.get("failed")), "state": state(path)})
    for o, res in zip(out, run()):
        o["changed2"] = bool(res["hosts"]["localhost"].get("changed"))
json.dump(out, open(os.path.join(here, "filemods_ansible.json"), "w"), indent=1)
print("%d cases" % len(out))
