"""`mjhybrid fit-params` end to end on push: contact parameters per geom pair, fitted through the
plugin (mode params), used by attach and eval, and its bad input (docs/CONTACT.md)."""

import json
import struct

from cli_helpers import ROOT, error_line, run

PUSH = ROOT / "scenes" / "push"


def collect(folder, episodes, seed):
    path = folder / f"data-{seed}.h5"
    run("collect", "--model", str(PUSH / "real.xml"), "--protocol", str(PUSH / "scene.json"), "--out", str(path),
        "--episodes", str(episodes), "--steps", "300", "--seed", str(seed))
    return path


def fitted_table(stdout):
    """{(pair, parameter): (nominal, fitted)} from fit-params' printed table, whose rows are
    'GEOM1 | GEOM2  PARAMETER  NOMINAL  FITTED', the pair written on its first row only."""
    table, pair = {}, None
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 6 and parts[1] == "|":
            pair, parts = parts[0] + "|" + parts[2], parts[3:]
        if pair and len(parts) == 3:
            try:
                table[(pair, parts[0])] = (float(parts[1]), float(parts[2]))
            except ValueError:
                pass
    return table


def test_fit_params_finds_the_slippery_table_and_the_scene_uses_it(tmp_path):
    train, test = collect(tmp_path, 8, 1), collect(tmp_path, 3, 2)
    out = tmp_path / "params.safetensors"
    proc = run("fit-params", "--model", str(PUSH / "sim.xml"), "--data", str(train), "--eval", str(test),
               "--out", str(out), "--parameters", "friction", "--iterations", "3", "--stride", "20")
    table = fitted_table(proc.stdout)
    # real.xml's table is half as slippery as the catalogue's 0.5 (scenes/push/README.md)
    nominal, fitted = table[("floor|object", "friction")]
    assert nominal == 0.5 and fitted < 0.4, proc.stdout
    closed = [line.split() for line in proc.stdout.splitlines() if line.startswith("10 ")]
    assert closed and float(closed[0][3].rstrip("%")) > 10, proc.stdout

    # the file: safetensors metadata in the documented format, the nominal table beside the fit
    raw = out.read_bytes()
    meta = json.loads(json.loads(raw[8:8 + struct.unpack("<Q", raw[:8])[0]])["__metadata__"]["mjhybrid"])
    assert meta["format"] == "mjhybrid.contact_params/1" and meta["parameters"] == ["friction"]
    assert len(meta["values"]) == len(meta["pairs"]) == len(meta["nominal"])

    # attach writes it as an instance in mode params; eval takes it alone
    hybrid = tmp_path / "hybrid.xml"
    run("attach", "--model", str(PUSH / "sim.xml"), "--params", str(out), "--out", str(hybrid))
    assert '<config key="mode" value="params"/>' in hybrid.read_text()
    evaluated = run("eval", "--model", str(PUSH / "sim.xml"), "--params", str(out), "--data", str(test))
    assert [line.split()[:3] for line in evaluated.stdout.splitlines() if line.startswith("10 ")] == \
           [closed[0][:3]]

    # --start with --iterations 0 scores an earlier fit and writes its values back unchanged
    again = tmp_path / "again.safetensors"
    scored = run("fit-params", "--model", str(PUSH / "sim.xml"), "--data", str(train), "--out", str(again),
                 "--parameters", "friction", "--stride", "20", "--start", str(out), "--iterations", "0")
    assert fitted_table(scored.stdout) == table, scored.stdout
    assert "in 0 iterations" in scored.stdout


def test_fit_params_and_eval_refuse_bad_input(tmp_path):
    train = collect(tmp_path, 2, 1)
    out = tmp_path / "p.safetensors"
    proc = run("fit-params", "--model", str(PUSH / "sim.xml"), "--data", str(train), "--out", str(out),
               "--parameters", "friction,stiffness", ok=False)
    assert "unknown contact parameter 'stiffness'; valid: friction," in error_line(proc)
    assert not out.exists()
    # --start from a file that is not there
    proc = run("fit-params", "--model", str(PUSH / "sim.xml"), "--data", str(train), "--out", str(out),
               "--start", str(tmp_path / "missing.safetensors"), ok=False)
    assert "--start: " in error_line(proc) and "missing.safetensors" in error_line(proc)
    assert not out.exists()
    # a dataset at a period that is not a whole number of the model's timestep (sim-5ms.xml: 5 ms)
    odd = tmp_path / "odd.h5"
    run("collect", "--model", str(PUSH / "real.xml"), "--out", str(odd), "--episodes", "1", "--steps", "50",
        "--dt", "0.003")
    proc = run("fit-params", "--model", str(PUSH / "sim-5ms.xml"), "--data", str(odd), "--out", str(out), ok=False)
    assert "0.003" in error_line(proc) and not out.exists()
    # a scene without contacts (arm2): an error, or with --if-contact (the demo's default) nothing
    arm2 = tmp_path / "arm2.h5"
    run("collect", "--model", str(ROOT / "scenes/arm2/real.xml"), "--out", str(arm2), "--episodes", "1",
        "--steps", "100", "--dt", "0.005")
    proc = run("fit-params", "--model", str(ROOT / "scenes/arm2/sim.xml"), "--data", str(arm2), "--out", str(out), ok=False)
    assert "no pair of named geoms is in contact in at least 2 % of the recorded states" in error_line(proc)
    proc = run("fit-params", "--model", str(ROOT / "scenes/arm2/sim.xml"), "--data", str(arm2), "--out", str(out),
               "--if-contact")
    assert "nothing to fit, nothing written" in proc.stderr and not out.exists()
    proc = run("eval", "--model", str(PUSH / "sim.xml"), "--data", str(train), ok=False)
    assert "eval needs --residual, --params or --base" in error_line(proc)
    # a residual model given as contact parameters
    proc = run("attach", "--model", str(PUSH / "sim.xml"), "--params", str(ROOT / "models/push/residual.safetensors"),
               "--out", str(tmp_path / "h.xml"), ok=False)
    assert "not an mjhybrid contact-parameter model" in error_line(proc)


def test_sysid_with_contact_parameters_leaves_contact_to_the_pairs(tmp_path):
    """sysid --params identifies the physical parameters with fitted pairs in place: the shared
    contact factors are not searched, the nominal it starts from is the scene with the pairs
    (its held-out error is eval --params'), and the written model holds no pairs."""
    train, test = collect(tmp_path, 4, 1), collect(tmp_path, 2, 2)
    params = str(ROOT / "models/push/params.safetensors")
    fit = ("--data", str(train), "--iterations", "2", "--stride", "40")
    plain = run("sysid", "--model", str(PUSH / "sim.xml"), *fit, "--out", str(tmp_path / "plain.xml"))
    assert "friction sliding (factor)" in plain.stdout
    out = tmp_path / "with-pairs.xml"
    proc = run("sysid", "--model", str(PUSH / "sim.xml"), *fit, "--params", params, "--out", str(out),
               "--eval", str(test))
    assert "(factor)" not in proc.stdout and "mass object" in proc.stdout, proc.stdout
    written = out.read_text()
    assert "<pair" not in written and "mjhybrid.residual" not in written
    costs = [line for line in proc.stdout.splitlines() if line.startswith("20-step error")]
    before, after = (float(x) for x in costs[0].split(": ")[1].split(" in ")[0].split(" -> "))
    assert after <= before
    nominal = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("10 ")]
    with_pairs = run("eval", "--model", str(PUSH / "sim.xml"), "--params", params, "--data", str(test))
    assert nominal == [line.split()[2] for line in with_pairs.stdout.splitlines() if line.startswith("10 ")]

    # bad input: one line each, nothing written
    bad = tmp_path / "bad.xml"
    proc = run("sysid", "--model", str(PUSH / "sim.xml"), *fit, "--params", params, "--actuator-lag",
               "--out", str(bad), ok=False)
    assert "--actuator-lag and --params" in error_line(proc) and not bad.exists()
    proc = run("sysid", "--model", str(PUSH / "sim.xml"), *fit, "--params", str(tmp_path / "none.safetensors"),
               "--out", str(bad), ok=False)
    assert "none.safetensors" in error_line(proc) and not bad.exists()
