using AutoGrad.Differentiation;
using AutoGrad.IO;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;

namespace AutoGrad.Onnx;

/// <summary>
/// Weights in the names and layouts PyTorch's <c>state_dict</c> uses, so a checkpoint moves between an AutoGrad
/// <see cref="Sequential"/> and the equivalent <c>torch.nn.Sequential</c> without a hand-written mapping: written files load
/// with <c>model.load_state_dict(safetensors.torch.load_file(path))</c>, and files PyTorch wrote load here.
/// </summary>
/// <remarks>
/// <para>Module indices follow the PyTorch translation of the model: every layer is one module, except that a
/// <see cref="Dense"/> or <see cref="Conv2D"/> with an activation is two (<c>Linear</c> then the activation), so
/// <c>Sequential(Flatten(), Dense(128, "relu"), Dense(10))</c> is
/// <c>Sequential(Flatten(), Linear(784, 128), ReLU(), Linear(128, 10))</c> with weights <c>1.weight</c> and <c>3.weight</c>.</para>
/// <para>Layouts: <c>Linear.weight</c> is <c>[out, in]</c> (AutoGrad's <c>Dense.Kernel</c> is <c>[in, out]</c>, so it is
/// transposed); <c>Conv2d.weight</c> <c>[out, in, kh, kw]</c> as in AutoGrad; <c>BatchNorm</c> writes <c>weight</c>,
/// <c>bias</c>, <c>running_mean</c>, <c>running_var</c> and <c>num_batches_tracked</c> (int64, written as 0 and ignored on
/// load); <c>LayerNorm</c> <c>weight</c>, <c>bias</c>; <c>Embedding</c> <c>weight</c>.</para>
/// </remarks>
public static class PyTorchWeights
{
    /// <summary>The model's weights under PyTorch names and layouts, in module order (copies, not the live tensors).</summary>
    /// <param name="model">A built model (every layer has run once or been built).</param>
    /// <returns>Name and value pairs; <c>num_batches_tracked</c> is not included (it is not a float tensor).</returns>
    /// <exception cref="InvalidOperationException">A layer is not built yet.</exception>
    /// <exception cref="NotSupportedException">A layer with weights has no PyTorch mapping (a nested model, a custom layer).</exception>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> StateDict(Sequential model) =>
        [.. Slots(model).Select(s => new KeyValuePair<string, Tensor>(s.Name, s.Transposed ? s.Live.Transpose() : s.Live.Detach()))];

    /// <summary>Writes the model's weights as a PyTorch-style safetensors file (metadata <c>{"format": "pt"}</c>).</summary>
    /// <param name="model">A built model.</param>
    /// <param name="path">The file; replaced atomically.</param>
    /// <exception cref="InvalidOperationException">A layer is not built yet.</exception>
    /// <exception cref="NotSupportedException">A layer with weights has no PyTorch mapping.</exception>
    public static void Save(Sequential model, string path)
    {
        var entries = new List<SafeTensorEntry>();
        foreach (var slot in Slots(model))
        {
            Tensor value = slot.Transposed ? slot.Live.Transpose() : slot.Live;
            long[] shape = [.. value.Shape.ToArray().Select(d => (long)d)];
            entries.Add(value.DType == DType.Float64
                ? SafeTensorEntry.FromDoubles(slot.Name, shape, value.ToArray<double>())
                : SafeTensorEntry.FromSingles(slot.Name, shape, value.ToArray<float>()));
            if (slot.Name.EndsWith(".running_var", StringComparison.Ordinal))
            {
                string prefix = slot.Name[..^".running_var".Length];
                entries.Add(new SafeTensorEntry(prefix + ".num_batches_tracked", SafeTensorDTypes.I64, [], new byte[8]));
            }
        }

        SafeTensorsFile.Save(path, entries, new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>Loads a PyTorch-style safetensors file (such as one PyTorch wrote with <c>safetensors.torch.save_file</c>) into the model, in place.</summary>
    /// <param name="model">A built model with the architecture the file was saved from.</param>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">A weight is missing, has another shape, or the file holds weights the model has no place for; the message names them.</exception>
    /// <exception cref="InvalidOperationException">A layer is not built yet.</exception>
    /// <exception cref="NotSupportedException">A layer with weights has no PyTorch mapping.</exception>
    public static void Load(Sequential model, string path)
    {
        SafeTensorsContent content = SafeTensorsFile.Load(path);
        var slots = Slots(model);
        var expected = slots.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        string[] extra = [.. content.Entries.Select(e => e.Name)
            .Where(n => !expected.Contains(n) && !n.EndsWith(".num_batches_tracked", StringComparison.Ordinal))];
        string[] missing = [.. expected.Where(n => content.Entries.All(e => e.Name != n))];
        if (extra.Length > 0 || missing.Length > 0)
        {
            throw new InvalidDataException(
                $"{path}: the weights do not fit the model: missing {(missing.Length == 0 ? "none" : string.Join(", ", missing))}; " +
                $"unexpected {(extra.Length == 0 ? "none" : string.Join(", ", extra))}. Expected names: {string.Join(", ", expected)}.");
        }

        using (Autodiff.NoGrad())
        {
            foreach (var slot in slots)
            {
                SafeTensorEntry entry = content[slot.Name];
                int[] shape = [.. entry.Shape.Select(d => (int)d)];
                Tensor value = entry.DType == SafeTensorDTypes.F64
                    ? Tensor.FromArray(entry.ToDoubles(), shape)
                    : Tensor.FromArray(entry.ToSingles(), shape);
                if (slot.Transposed)
                {
                    value = value.Rank == 2 ? value.Transpose() : value;
                }

                if (value.Shape != slot.Live.Shape)
                {
                    throw new InvalidDataException(
                        $"{path}: '{slot.Name}' has shape [{string.Join(", ", entry.Shape)}] but the model's {(slot.Transposed ? "transposed " : "")}tensor has {slot.Live.Shape}.");
                }

                slot.Live.Assign(value.To(slot.Live.DType));
            }
        }
    }

    private sealed record Slot(string Name, Tensor Live, bool Transposed);

    private static List<Slot> Slots(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var slots = new List<Slot>();
        int index = 0;
        foreach (Layer layer in model.Layers)
        {
            string p = index.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".";
            Tensor Built(Tensor? t) => t ?? throw new InvalidOperationException(
                $"Layer '{layer.Name}' is not built yet: call the model once (or Build it) before saving or loading PyTorch weights.");
            switch (layer)
            {
                case Dense dense:
                    slots.Add(new(p + "weight", Built(dense.Kernel), Transposed: true));
                    if (dense.UseBias)
                    {
                        slots.Add(new(p + "bias", Built(dense.Bias), false));
                    }

                    index += HasActivation(dense.ActivationFunction) ? 2 : 1;
                    break;
                case Conv2D conv:
                    slots.Add(new(p + "weight", Built(conv.Kernel), false));
                    if (conv.UseBias)
                    {
                        slots.Add(new(p + "bias", Built(conv.Bias), false));
                    }

                    index += HasActivation(conv.ActivationFunction) ? 2 : 1;
                    break;
                case BatchNorm norm:
                    slots.Add(new(p + "weight", Built(norm.Gamma), false));
                    slots.Add(new(p + "bias", Built(norm.Beta), false));
                    slots.Add(new(p + "running_mean", Built(norm.RunningMean), false));
                    slots.Add(new(p + "running_var", Built(norm.RunningVar), false));
                    index++;
                    break;
                case LayerNorm norm:
                    if (norm.Gamma is not null)
                    {
                        slots.Add(new(p + "weight", norm.Gamma, false));
                        slots.Add(new(p + "bias", Built(norm.Beta), false));
                    }

                    index++;
                    break;
                case Embedding embedding:
                    slots.Add(new(p + "weight", embedding.Weight, false));
                    index++;
                    break;
                default:
                    if (layer.NamedParameters().Count > 0 || layer.NamedBuffers().Count > 0)
                    {
                        throw new NotSupportedException(
                            $"Layer '{layer.Name}' ({layer.GetType().Name}) has weights but no PyTorch mapping; PyTorch naming covers Dense, Conv2D, BatchNorm, LayerNorm and Embedding.");
                    }

                    index++;
                    break;
            }
        }

        return slots;
    }

    private static bool HasActivation(Activation? activation) => activation is not null && activation.Name != "linear";
}
