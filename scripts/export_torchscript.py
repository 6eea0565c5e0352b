#!/usr/bin/env python3
"""Export an mjhybrid MLP residual (*.safetensors) as a TorchScript archive (*.pt).

The plugin runs *.safetensors MLPs with Eigen and *.pt archives with its LibTorch backend
(plugin/torch/torchscript_network.h). This script turns the first into the second, with the
same weights and the same metadata, so both paths can be compared or a model can be extended
in PyTorch:

    .venv/bin/python scripts/export_torchscript.py models/arm2/residual.safetensors \
        --out models/arm2/residual.pt

The contract the plugin checks when it loads a *.pt (any module, not only MLPs):

  * forward(x) takes float32 x [B, in], with in = len(metadata["features"]["names"]), the
    features *normalized* with metadata["input"] (mean, std; clamped to min/max first);
  * it returns float32 [B, nv] for one network, or [E, B, nv] for an ensemble of E members
    (the plugin uses the mean over E and reports the spread); outputs are normalized too:
    qfrc = y * output.std + output.mean, then clamped to +-output.bound;
  * the archive holds the model's metadata JSON (format "mjhybrid.residual/1", see
    plugin/core/residual_model.h) as the extra file "mjhybrid.json", with
    network = {"backend": "torchscript", ...}.

To bring an arbitrary PyTorch module (an actuator net, a recurrent cell unrolled over the
control history, ...), reuse the metadata of a model trained for the same scene (signature,
features and normalizers must describe what the module expects), then script and save it:

    import json, sys
    sys.path.insert(0, "scripts")
    from export_torchscript import read_safetensors, save_torchscript
    _, file_metadata = read_safetensors(Path("models/arm2/residual.safetensors"))
    meta = json.loads(file_metadata["mjhybrid"])   # edit input/output statistics if needed
    module = MyNet().eval()                        # [B, in] -> [B, nv] or [E, B, nv]
    save_torchscript(module, meta, "my_model.pt", source="my_net.py")

save_torchscript() scripts the module (torch.jit.script; torch.jit.trace on an example input
when the module cannot be scripted), checks its output for batches of 1 and 3 against the
metadata, sets network.backend and writes the archive. Without this file, the equivalent is
`torch.jit.script(module).save(path, _extra_files={"mjhybrid.json": json.dumps(meta)})`.
A scene then uses the model as any other: <config key="model" value="my_model.pt"/>.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

MODEL_FORMAT = "mjhybrid.residual/1"
METADATA_FILE = "mjhybrid.json"
MAX_HEADER_BYTES = 100_000_000


class ExportError(Exception):
    """A problem with the input or output, reported to the user as one line."""


class Member(torch.nn.Module):
    """One MLP: Linear -> tanh -> ... -> Linear, as plugin/core/mlp.h evaluates it."""

    def __init__(self, layers: list[torch.nn.Linear]) -> None:
        super().__init__()
        self.hidden = torch.nn.ModuleList(layers[:-1])
        self.last = layers[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.hidden:
            x = torch.tanh(layer(x))
        return self.last(x)


class MlpEnsemble(torch.nn.Module):
    """E members: [B, in] -> [B, out] for one member, [E, B, out] for several."""

    def __init__(self, members: list[Member]) -> None:
        super().__init__()
        self.members = torch.nn.ModuleList(members)
        self.single = len(members) == 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs: list[torch.Tensor] = []
        for member in self.members:
            outputs.append(member(x))
        if self.single:
            return outputs[0]
        return torch.stack(outputs, dim=0)


def read_safetensors(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Reads float32 tensors and the string metadata of a safetensors file."""
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise ExportError(f"{path}: no such file") from None
    except OSError as e:
        raise ExportError(f"{path}: cannot read ({e.strerror})") from None
    if len(blob) < 8:
        raise ExportError(f"{path}: too short for a safetensors file")
    (header_len,) = struct.unpack("<Q", blob[:8])
    if header_len > MAX_HEADER_BYTES or 8 + header_len > len(blob):
        raise ExportError(f"{path}: corrupt safetensors header length (not a safetensors file?)")
    try:
        header = json.loads(blob[8 : 8 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ExportError(f"{path}: safetensors header is not valid JSON") from None
    if not isinstance(header, dict):
        raise ExportError(f"{path}: safetensors header is not a JSON object")

    data = memoryview(blob)[8 + header_len :]
    metadata = header.pop("__metadata__", {}) or {}
    tensors: dict[str, np.ndarray] = {}
    for name, entry in header.items():
        try:
            dtype, shape, (begin, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
            count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        except (KeyError, TypeError, ValueError):
            raise ExportError(f"{path}: tensor '{name}' has a malformed entry") from None
        if dtype != "F32":
            raise ExportError(f"{path}: tensor '{name}' has dtype {dtype}, expected F32")
        if not (0 <= begin <= end <= len(data)) or end - begin != 4 * count:
            raise ExportError(f"{path}: tensor '{name}' data is out of bounds or does not "
                              "match its shape (truncated file?)")
        array = np.frombuffer(data[begin:end], dtype="<f4").reshape(shape)
        tensors[name] = array.astype(np.float32)
    return tensors, metadata


def load_mlp(path: Path) -> tuple[list[list[tuple[np.ndarray, np.ndarray]]], dict[str, Any]]:
    """Weights as members[e][l] = (weight [out, in], bias [out]) and the mjhybrid metadata."""
    tensors, file_metadata = read_safetensors(path)
    if "mjhybrid" not in file_metadata:
        raise ExportError(f"{path}: no 'mjhybrid' entry in __metadata__ (not an mjhybrid model)")
    try:
        meta = json.loads(file_metadata["mjhybrid"])
    except (TypeError, json.JSONDecodeError):
        raise ExportError(f"{path}: 'mjhybrid' metadata is not valid JSON") from None
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise ExportError(f"{path}: metadata format is '{found}', expected '{MODEL_FORMAT}'")
    network = meta.get("network", {})
    if network.get("backend") != "mlp" or network.get("activation") != "tanh":
        raise ExportError(f"{path}: network.backend must be 'mlp' with activation 'tanh', "
                          f"found {json.dumps(network)}")
    n_members, n_layers = network.get("members", 0), network.get("layers", 0)
    if not isinstance(n_members, int) or not isinstance(n_layers, int) or \
            n_members < 1 or n_layers < 1:
        raise ExportError(f"{path}: network.members and network.layers must be integers >= 1")

    members: list[list[tuple[np.ndarray, np.ndarray]]] = []
    for e in range(n_members):
        layers: list[tuple[np.ndarray, np.ndarray]] = []
        for index in range(n_layers):
            w_name = f"member{e}.layer{index}.weight"
            b_name = f"member{e}.layer{index}.bias"
            if w_name not in tensors or b_name not in tensors:
                missing = w_name if w_name not in tensors else b_name
                raise ExportError(f"{path}: missing tensor {missing}")
            w, b = tensors[w_name], tensors[b_name]
            if w.ndim != 2 or b.shape != (w.shape[0],):
                raise ExportError(f"{path}: tensors {w_name} {list(w.shape)} and {b_name} "
                                  f"{list(b.shape)} have inconsistent shapes")
            if layers and w.shape[1] != layers[-1][0].shape[0]:
                raise ExportError(f"{path}: tensor {w_name} does not chain with the layer before")
            layers.append((w, b))
        members.append(layers)

    # the network must fit the features and outputs the metadata declares
    n_in = len(meta.get("features", {}).get("names", []))
    n_out = meta.get("signature", {}).get("nv")
    for e, layers in enumerate(members):
        if layers[0][0].shape[1] != n_in or layers[-1][0].shape[0] != n_out:
            raise ExportError(f"{path}: member {e} maps {layers[0][0].shape[1]} -> "
                              f"{layers[-1][0].shape[0]} but the metadata declares {n_in} "
                              f"features -> {n_out} outputs")
    return members, meta


def build_module(members: list[list[tuple[np.ndarray, np.ndarray]]]) -> MlpEnsemble:
    """A torch module with exactly these float32 weights."""
    built: list[Member] = []
    for layers in members:
        linears: list[torch.nn.Linear] = []
        for w, b in layers:
            linear = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(w)))
                linear.bias.copy_(torch.from_numpy(np.ascontiguousarray(b)))
            linears.append(linear)
        built.append(Member(linears))
    return MlpEnsemble(built).eval()


def reference_forward(members: list[list[tuple[np.ndarray, np.ndarray]]],
                      x: np.ndarray) -> np.ndarray:
    """The MLP in float64 numpy, [E, B, out], to check the exported module against."""
    outputs = []
    for layers in members:
        h = x.astype(np.float64)
        for index, (w, b) in enumerate(layers):
            h = h @ w.astype(np.float64).T + b
            if index + 1 < len(layers):
                h = np.tanh(h)
        outputs.append(h)
    return np.stack(outputs)


def script_module(module: torch.nn.Module, example: torch.Tensor) -> torch.jit.ScriptModule:
    """torch.jit.script, or torch.jit.trace on the example when scripting is not possible."""
    with warnings.catch_warnings():
        # torch >= 2.10 marks TorchScript deprecated in favour of torch.export; the C++
        # backend still loads TorchScript, so the warning is noise here
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return torch.jit.script(module)
        except Exception as script_error:  # noqa: BLE001 (any scripting failure -> trace)
            try:
                with torch.no_grad():
                    return torch.jit.trace(module, example, check_trace=False)
            except Exception as trace_error:  # noqa: BLE001
                raise ExportError(f"cannot script ({first_line(script_error)}) nor trace "
                                  f"({first_line(trace_error)}) the module") from None


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def save_torchscript(module: torch.nn.Module, metadata: dict[str, Any], out: str | Path,
                     source: str, force: bool = False) -> torch.jit.ScriptModule:
    """Scripts `module`, checks it against `metadata` and writes the archive `out`.

    metadata: the mjhybrid model description; its "network" entry is replaced by
    {"backend": "torchscript", "source": source, "members": E}. Raises ExportError.
    """
    out = Path(out)
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; pass --force to overwrite it")
    n_in = len(metadata.get("features", {}).get("names", []))
    n_out = metadata.get("signature", {}).get("nv")
    if metadata.get("format") != MODEL_FORMAT or n_in == 0 or not isinstance(n_out, int):
        raise ExportError(f"metadata is not an mjhybrid residual description (format "
                          f"'{MODEL_FORMAT}' with features.names and signature.nv)")

    # the same probe the plugin runs at load time: [1, in] -> [1, out] or [E, 1, out]
    module = module.eval()
    example = torch.zeros(1, n_in, dtype=torch.float32)
    scripted = script_module(module, example)
    with torch.no_grad():
        y = scripted(example)
    if not isinstance(y, torch.Tensor) or y.dtype != torch.float32 or \
            tuple(y.shape[-2:]) != (1, n_out) or y.dim() not in (2, 3):
        shape = list(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        raise ExportError(f"module maps [1, {n_in}] to {shape}, expected float32 [1, {n_out}] "
                          f"or [E, 1, {n_out}]")
    members = 1 if y.dim() == 2 else int(y.shape[0])
    # a batch, too: a trace can bake the example's batch size into the graph
    with torch.no_grad():
        y3 = scripted(torch.zeros(3, n_in, dtype=torch.float32))
    expected = (3, n_out) if members == 1 else (members, 3, n_out)
    if not isinstance(y3, torch.Tensor) or tuple(y3.shape) != expected:
        shape = list(y3.shape) if isinstance(y3, torch.Tensor) else type(y3).__name__
        raise ExportError(f"module maps [3, {n_in}] to {shape}, expected {list(expected)}: "
                          "it must accept any batch size")

    meta = dict(metadata)
    network = {"backend": "torchscript", "source": source, "members": members}
    old = metadata.get("network", {})
    if old.get("backend") == "mlp":
        # keep what describes the architecture, so a reader still sees what it is
        network.update({k: old[k] for k in ("layers", "activation", "description") if k in old})
    meta["network"] = network

    # write next to the target and rename, so a failed export never leaves half a file
    # (same file name in a scratch folder: the archive's root folder is named after it)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".export-", dir=out.parent) as scratch:
        tmp = Path(scratch) / out.name
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            scripted.save(str(tmp), _extra_files={METADATA_FILE: json.dumps(meta)})
        os.replace(tmp, out)
    return scripted


def export(model: Path, out: Path, force: bool, check_samples: int) -> str:
    """Exports one safetensors MLP; returns a one-line summary."""
    members, meta = load_mlp(model)
    module = build_module(members)

    # the archive must compute what the safetensors file computes
    scripted = save_torchscript(module, meta, out, source=model.name, force=force)
    n_in = members[0][0][0].shape[1]
    x = np.random.default_rng(0).standard_normal((check_samples, n_in)).astype(np.float32)
    with torch.no_grad():
        y = scripted(torch.from_numpy(x)).numpy()
    y = y[None] if y.ndim == 2 else y
    error = float(np.max(np.abs(y - reference_forward(members, x))))
    if not error < 1e-4:
        out.unlink()
        raise ExportError(f"exported module differs from the MLP by {error:.3g} (expected < 1e-4)")
    widths = "-".join(str(layer[0].shape[0]) for layer in members[0])
    return (f"wrote {out} (mlp {n_in}-{widths} tanh x{len(members)}, "
            f"max |torchscript - float64 reference| = {error:.2g} on {check_samples} inputs)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Export an mjhybrid MLP residual model (*.safetensors) as a TorchScript "
                    "archive (*.pt) for the plugin's LibTorch backend.")
    parser.add_argument("model", type=Path, help="input residual model (*.safetensors)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output archive (default: the input with suffix .pt)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing output")
    parser.add_argument("--check-samples", type=int, default=256, metavar="N",
                        help="random inputs on which the export is checked against the MLP "
                             "(default: 256)")
    args = parser.parse_args()
    out = args.out if args.out is not None else args.model.with_suffix(".pt")
    prog = Path(sys.argv[0]).name
    if out.resolve() == args.model.resolve():
        print(f"{prog}: error: output {out} is the input file", file=sys.stderr)
        return 2
    try:
        print(export(args.model, out, args.force, max(1, args.check_samples)))
    except FileExistsError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except ExportError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
