using System.Globalization;
using AutoGrad.Differentiation;
using AutoGrad.IO;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;

namespace AutoGrad.NN;

/// <summary>
/// Saves and loads model weights and optimizer state as safetensors. Weights are stored under their parameter and
/// buffer names; optimizer state under <c>optimizer/{parameter}/{slot}</c> plus <c>optimizer/{parameter}/step</c>,
/// with the optimizer's name and step count in the metadata.
/// </summary>
internal static class Checkpoint
{
    private const string OptimizerPrefix = "optimizer/";
    private const string OptimizerKey = "optimizer";
    private const string StepCountKey = "optimizer_step_count";

    public static void Save(Layer model, string path, Optimizer? optimizer, WeightNaming naming)
    {
        ArgumentNullException.ThrowIfNull(path);
        switch (naming)
        {
            case WeightNaming.AutoGrad:
                break;
            case WeightNaming.PyTorch:
                if (optimizer is not null)
                {
                    throw new ArgumentException(
                        "Save: a PyTorch-named file holds weights only (PyTorch keeps optimizer state in its own state_dict); save the optimizer with WeightNaming.AutoGrad.",
                        nameof(optimizer));
                }

                PyTorchNaming.Save(model, path);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(naming), naming, "Save: unknown weight naming.");
        }

        var unbuilt = model.NamedLayers().Prepend(KeyValuePair.Create(model.Name, model))
            .Where(l => l.Value is ILazilyBuilt { IsBuilt: false }).Select(l => $"'{l.Key}'").ToList();
        if (unbuilt.Count > 0)
        {
            throw new InvalidOperationException(
                $"Save: the model is not built: {string.Join(", ", unbuilt)} {(unbuilt.Count == 1 ? "creates its" : "create their")} parameters on the first call, " +
                "so the file would miss their weights. Call the model once on an input, or Build(exampleShape), before saving.");
        }

        var entries = new List<SafeTensorEntry>();
        foreach (var (name, tensor) in model.StateDict())
        {
            entries.Add(ToEntry(name, tensor));
        }

        var metadata = new Dictionary<string, string> { ["format"] = "autograd" };
        if (optimizer is not null)
        {
            metadata[OptimizerKey] = optimizer.Name;
            metadata[StepCountKey] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture);
            var names = ParameterNames(model);
            foreach (var (parameter, state) in optimizer.States)
            {
                if (!names.TryGetValue(parameter, out string? name))
                {
                    throw new InvalidOperationException(
                        $"Save: the optimizer holds state for a parameter {parameter.Type} ('{parameter.Name ?? "unnamed"}') that is not part of this model.");
                }

                for (int i = 0; i < state.Slots.Length; i++)
                {
                    entries.Add(ToEntry($"{OptimizerPrefix}{name}/{optimizer.SlotNames[i]}", state.Slots[i]));
                }

                entries.Add(SafeTensorEntry.FromDoubles($"{OptimizerPrefix}{name}/step", [], [state.Steps]));
            }
        }

        SafeTensorsFile.Save(path, entries, metadata);
    }

    public static void Load(Layer model, string path, Optimizer? optimizer, WeightNaming? naming)
    {
        SafeTensorsContent content = SafeTensorsFile.Load(path);
        naming ??= content.Metadata.TryGetValue("format", out string? format) && format == PyTorchNaming.Format
            ? WeightNaming.PyTorch
            : WeightNaming.AutoGrad;
        switch (naming.Value)
        {
            case WeightNaming.AutoGrad:
                break;
            case WeightNaming.PyTorch:
                if (optimizer is not null)
                {
                    throw new ArgumentException(
                        $"Load: '{path}' is read with PyTorch names, which hold weights only; load the optimizer's state from a checkpoint saved with WeightNaming.AutoGrad.",
                        nameof(optimizer));
                }

                PyTorchNaming.Load(model, path, content);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(naming), naming, "Load: unknown weight naming.");
        }

        string source = $"'{path}'";
        var problems = new List<string>();

        // Weights.
        var weights = new Dictionary<string, SafeTensorEntry>(StringComparer.Ordinal);
        var offered = new Dictionary<string, TensorType>(StringComparer.Ordinal);
        foreach (var entry in content.Entries)
        {
            if (entry.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            weights[entry.Name] = entry;
            if (TypeOf(entry, out var type, out string? problem))
            {
                offered[entry.Name] = type;
            }
            else
            {
                problems.Add(problem!);
            }
        }

        var targets = model.StateDict();
        problems.AddRange(StateCheck.Compare(targets, offered, strict: true));

        // Optimizer state: every parameter has either no state or all slots plus a step count.
        var optimizerState = new List<(Tensor Parameter, Tensor[] Slots, long Steps)>();
        long stepCount = 0;
        if (optimizer is not null)
        {
            if (!content.Metadata.TryGetValue(OptimizerKey, out string? savedName))
            {
                problems.Add($"the file holds no optimizer state (it was saved without an optimizer), but a {optimizer.Name} optimizer was given");
            }
            else if (savedName != optimizer.Name)
            {
                problems.Add($"the optimizer state is for '{savedName}', but a '{optimizer.Name}' optimizer was given");
            }
            else
            {
                if (!content.Metadata.TryGetValue(StepCountKey, out string? steps) || !long.TryParse(steps, NumberStyles.None, CultureInfo.InvariantCulture, out stepCount))
                {
                    problems.Add($"the metadata '{StepCountKey}' is missing or not a count");
                }

                CollectOptimizerState(model, optimizer, content, problems, optimizerState);
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException(StateCheck.Message("Load", source, problems));
        }

        using (Autodiff.NoGrad())
        {
            foreach (var (name, target) in targets)
            {
                target.Assign(FromEntry(weights[name], target.Shape));
            }
        }

        if (optimizer is not null)
        {
            // The file is the whole state: a parameter it has no state for starts fresh, whatever was there before.
            // (State it does have is overwritten in place by SetState, so a compiled step keeps its captures.)
            optimizer.ClearStateExcept(optimizerState.Select(s => s.Parameter));
            foreach (var (parameter, slots, steps) in optimizerState)
            {
                optimizer.SetState(parameter, slots, steps);
            }

            optimizer.SetStepCount(stepCount);
        }
    }

    private static void CollectOptimizerState(Layer model, Optimizer optimizer, SafeTensorsContent content, List<string> problems,
        List<(Tensor, Tensor[], long)> result)
    {
        var expectedKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, parameter) in model.NamedParameters())
        {
            string stepKey = $"{OptimizerPrefix}{name}/step";
            expectedKeys.Add(stepKey);
            var slotKeys = optimizer.SlotNames.Select(s => $"{OptimizerPrefix}{name}/{s}").ToArray();
            expectedKeys.UnionWith(slotKeys);
            bool hasStep = content.TryGetEntry(stepKey, out var stepEntry);
            int present = slotKeys.Count(k => content.TryGetEntry(k, out _));
            if (!hasStep && present == 0)
            {
                continue;
            }

            if (!hasStep || present != slotKeys.Length)
            {
                problems.Add($"'{OptimizerPrefix}{name}': incomplete optimizer state (expected {string.Join(", ", optimizer.SlotNames.Append("step"))})");
                continue;
            }

            if (stepEntry!.DType != SafeTensorDTypes.F64 || stepEntry.ElementCount != 1)
            {
                problems.Add($"'{stepKey}': expected one F64 value, found {stepEntry.DType} [{string.Join(",", stepEntry.Shape)}]");
                continue;
            }

            var slots = new Tensor[slotKeys.Length];
            bool ok = true;
            for (int i = 0; i < slotKeys.Length; i++)
            {
                var entry = content[slotKeys[i]];
                if (!TypeOf(entry, out var type, out string? problem))
                {
                    problems.Add(problem!);
                    ok = false;
                }
                else if (type != parameter.Type)
                {
                    problems.Add($"'{slotKeys[i]}': found {type}, but the parameter has {parameter.Type}");
                    ok = false;
                }
                else
                {
                    slots[i] = FromEntry(entry, parameter.Shape);
                }
            }

            if (ok)
            {
                result.Add((parameter, slots, (long)stepEntry.ToDoubles()[0]));
            }
        }

        foreach (var entry in content.Entries)
        {
            if (entry.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && !expectedKeys.Contains(entry.Name))
            {
                problems.Add($"'{entry.Name}': optimizer state for something that is not a parameter of the model");
            }
        }
    }

    private static Dictionary<Tensor, string> ParameterNames(Layer model)
    {
        var names = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in model.NamedParameters())
        {
            names[p] = name;
        }

        return names;
    }

    private static SafeTensorEntry ToEntry(string name, Tensor tensor)
    {
        return SafeTensorEntry.FromTensor(name, tensor);
    }

    private static bool TypeOf(SafeTensorEntry entry, out TensorType type, out string? problem)
    {
        type = default;
        problem = null;
        if (SafeTensorEntry.TensorDTypeOf(entry.DType) is not { } dtype)
        {
            problem = $"'{entry.Name}': dtype {entry.DType} is not supported (only F32, F64, I64, I32, BOOL and U8)";
            return false;
        }

        if (entry.Shape.Any(d => d > int.MaxValue))
        {
            problem = $"'{entry.Name}': shape [{string.Join(",", entry.Shape)}] is too large";
            return false;
        }

        type = new TensorType(new Shape([.. entry.Shape.Select(d => (int)d)]), dtype);
        return true;
    }

    private static Tensor FromEntry(SafeTensorEntry entry, Shape shape) => FromEntryFlat(entry).Reshape(shape);

    private static Tensor FromEntryFlat(SafeTensorEntry entry) => entry.ToTensor().Reshape(-1);
}
