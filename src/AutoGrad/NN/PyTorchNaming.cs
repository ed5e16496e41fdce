using System.Globalization;
using AutoGrad.Differentiation;
using AutoGrad.IO;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;

namespace AutoGrad.NN;

/// <summary>
/// <see cref="WeightNaming.PyTorch"/>: a model's weights in the names and layouts PyTorch's <c>state_dict</c> uses for the
/// equivalent <c>torch.nn.Sequential</c>.
/// </summary>
/// <remarks>
/// <para>Module indices follow the PyTorch translation of a <see cref="Sequential"/>: every layer is one module, except that
/// a <see cref="Dense"/>, <see cref="Conv2D"/> or <see cref="ConvTranspose2D"/> with an activation is two (<c>Linear</c> then the activation), so
/// <c>Sequential(Flatten(), Dense(128, "relu"), Dense(10))</c> is <c>Sequential(Flatten(), Linear(784, 128), ReLU(), Linear(128, 10))</c>
/// with weights <c>1.weight</c> and <c>3.weight</c>. A nested <see cref="Sequential"/> is one module whose weights are
/// prefixed by its index (<c>2.0.weight</c>); a single mapped layer saved on its own has unprefixed names (<c>weight</c>).</para>
/// <para>Layouts: <c>Linear.weight</c> is <c>[out, in]</c> (AutoGrad's <c>Dense.Kernel</c> is <c>[in, out]</c>, so it is
/// transposed); <c>Conv2d.weight</c> <c>[out, in/groups, kh, kw]</c> and <c>ConvTranspose2d.weight</c>
/// <c>[in, out/groups, kh, kw]</c> as in AutoGrad; <c>BatchNorm</c> writes <c>weight</c>,
/// <c>bias</c>, <c>running_mean</c>, <c>running_var</c> and <c>num_batches_tracked</c> (int64, written as 0, accepted and
/// ignored on load); <c>LayerNorm</c> <c>weight</c>, <c>bias</c>; <c>Embedding</c> <c>weight</c>.</para>
/// </remarks>
internal static class PyTorchNaming
{
    public const string Format = "pt";
    private const string BatchCounter = "num_batches_tracked";

    /// <summary>One PyTorch-named weight and the live AutoGrad tensor it comes from.</summary>
    private sealed record Slot(string Name, Tensor Live, bool Transposed, string Owner)
    {
        /// <summary>The shape PyTorch stores: the live shape, reversed for a transposed Dense kernel.</summary>
        public long[] FileShape => [.. (Transposed ? Live.Shape.ToArray().Reverse() : Live.Shape.ToArray()).Select(d => (long)d)];
    }

    public static void Save(Layer model, string path)
    {
        var entries = new List<SafeTensorEntry>();
        foreach (var slot in Slots(model))
        {
            Tensor value = slot.Transposed ? slot.Live.Transpose() : slot.Live;
            entries.Add(value.DType == DType.Float64
                ? SafeTensorEntry.FromDoubles(slot.Name, slot.FileShape, value.ToArray<double>())
                : SafeTensorEntry.FromSingles(slot.Name, slot.FileShape, value.ToArray<float>()));
            if (slot.Name.EndsWith(".running_var", StringComparison.Ordinal) || slot.Name == "running_var")
            {
                entries.Add(new SafeTensorEntry(Sibling(slot.Name, BatchCounter), SafeTensorDTypes.I64, [], new byte[8]));
            }
        }

        SafeTensorsFile.Save(path, entries, new Dictionary<string, string> { ["format"] = Format });
    }

    public static void Load(Layer model, string path, SafeTensorsContent content)
    {
        var slots = Slots(model);
        var problems = new List<string>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slot in slots)
        {
            known.Add(slot.Name);
            if (slot.Name.EndsWith("running_var", StringComparison.Ordinal))
            {
                known.Add(Sibling(slot.Name, BatchCounter));
            }

            string expected = $"{slot.Owner} needs [{string.Join(", ", slot.FileShape)}]{(slot.Transposed ? " ([out, in])" : "")}";
            if (!content.TryGetEntry(slot.Name, out var entry))
            {
                problems.Add($"'{slot.Name}': missing ({expected})");
            }
            else if (entry.DType != SafeTensorDTypes.F32 && entry.DType != SafeTensorDTypes.F64)
            {
                problems.Add($"'{slot.Name}': dtype {entry.DType} is not supported (only F32 and F64)");
            }
            else if (!entry.Shape.SequenceEqual(slot.FileShape))
            {
                problems.Add($"'{slot.Name}': found [{string.Join(", ", entry.Shape)}], but {expected}");
            }
        }

        foreach (var entry in content.Entries.Where(e => !known.Contains(e.Name)).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            problems.Add($"'{entry.Name}': not in the model (its PyTorch names are {(slots.Count == 0 ? "none" : string.Join(", ", slots.Select(s => s.Name)))})");
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException(StateCheck.Message("Load", $"'{path}' (PyTorch names)", problems));
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
                slot.Live.Assign((slot.Transposed ? value.Transpose() : value).To(slot.Live.DType));
            }
        }
    }

    private static string Sibling(string name, string leaf)
    {
        int dot = name.LastIndexOf('.');
        return dot < 0 ? leaf : name[..(dot + 1)] + leaf;
    }

    private static List<Slot> Slots(Layer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var slots = new List<Slot>();
        // Errors name layers by their path in the model ('dense_1'), which, unlike Layer.Name, is unique.
        var paths = new Dictionary<Layer, string>(ReferenceEqualityComparer.Instance);
        foreach (var (path, layer) in model.NamedLayers())
        {
            paths.TryAdd(layer, path);
        }

        if (model is Sequential sequential)
        {
            AddSequential(sequential, "", slots, paths);
        }
        else
        {
            AddLayer(model, "", slots, paths);
        }

        return slots;
    }

    private static void AddSequential(Sequential model, string prefix, List<Slot> slots, Dictionary<Layer, string> paths)
    {
        int index = 0;
        foreach (Layer layer in model.Layers)
        {
            string p = prefix + index.ToString(CultureInfo.InvariantCulture) + ".";
            if (layer is Sequential nested)
            {
                AddSequential(nested, p, slots, paths);
                index++;
            }
            else
            {
                index += AddLayer(layer, p, slots, paths);
            }
        }
    }

    /// <summary>Adds one layer's weights under <paramref name="p"/>; returns how many PyTorch modules the layer is.</summary>
    private static int AddLayer(Layer layer, string p, List<Slot> slots, Dictionary<Layer, string> paths)
    {
        string owner = $"{layer.GetType().Name} '{paths.GetValueOrDefault(layer, layer.Name)}'";
        Tensor Built(Tensor? t) => t ?? throw new InvalidOperationException(
            $"{owner} is not built yet: call the model once (or Build it) before saving or loading PyTorch-named weights.");
        switch (layer)
        {
            case Dense dense:
                slots.Add(new(p + "weight", Built(dense.Kernel), Transposed: true, owner));
                if (dense.UseBias)
                {
                    slots.Add(new(p + "bias", Built(dense.Bias), false, owner));
                }

                return HasActivation(dense.ActivationFunction) ? 2 : 1;
            case Conv2D conv:
                slots.Add(new(p + "weight", Built(conv.Kernel), false, owner));
                if (conv.UseBias)
                {
                    slots.Add(new(p + "bias", Built(conv.Bias), false, owner));
                }

                return HasActivation(conv.ActivationFunction) ? 2 : 1;
            case ConvTranspose2D deconv:
                slots.Add(new(p + "weight", Built(deconv.Kernel), false, owner));
                if (deconv.UseBias)
                {
                    slots.Add(new(p + "bias", Built(deconv.Bias), false, owner));
                }

                return HasActivation(deconv.ActivationFunction) ? 2 : 1;
            case BatchNorm norm:
                slots.Add(new(p + "weight", Built(norm.Gamma), false, owner));
                slots.Add(new(p + "bias", Built(norm.Beta), false, owner));
                slots.Add(new(p + "running_mean", Built(norm.RunningMean), false, owner));
                slots.Add(new(p + "running_var", Built(norm.RunningVar), false, owner));
                return 1;
            case LayerNorm norm:
                if (norm.Gamma is not null)
                {
                    slots.Add(new(p + "weight", norm.Gamma, false, owner));
                    slots.Add(new(p + "bias", Built(norm.Beta), false, owner));
                }

                return 1;
            case Embedding embedding:
                slots.Add(new(p + "weight", embedding.Weight, false, owner));
                return 1;
            default:
                if (layer.NamedParameters().Count > 0 || layer.NamedBuffers().Count > 0)
                {
                    throw new NotSupportedException(
                        $"{owner} has weights but no PyTorch naming; it covers Dense, Conv2D, ConvTranspose2D, BatchNorm, LayerNorm and Embedding in Sequential models. Save with WeightNaming.AutoGrad instead.");
                }

                return 1;
        }
    }

    private static bool HasActivation(Activation? activation) => activation is not null && activation.Name != "linear";
}
