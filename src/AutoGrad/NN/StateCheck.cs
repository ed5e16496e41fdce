using System.Text;
using AutoGrad.Tensors;

namespace AutoGrad.NN;

/// <summary>Compares expected tensors with what a state dictionary or file offers, collecting every problem before anything is assigned.</summary>
internal static class StateCheck
{
    public static List<string> Compare(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, TensorType> offered, bool strict)
    {
        var problems = new List<string>();
        foreach (var (name, tensor) in expected.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!offered.TryGetValue(name, out var type))
            {
                if (strict)
                {
                    problems.Add($"'{name}': missing (the model has {tensor.Type})");
                }
            }
            else if (type != tensor.Type)
            {
                problems.Add($"'{name}': found {type}, but the model has {tensor.Type}");
            }
        }

        if (strict)
        {
            foreach (var name in offered.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal))
            {
                problems.Add($"'{name}': not in the model");
            }
        }

        if (problems.Count > 0 && expected.Count == 0)
        {
            problems.Add("the model has no parameters yet: layers that infer their input size create them on the first call, so call the model once (or Build) before loading");
        }

        return problems;
    }

    public static string Message(string operation, string source, IReadOnlyList<string> problems)
    {
        var sb = new StringBuilder();
        sb.Append(operation).Append(": ").Append(source).Append(" does not match the model (")
            .Append(problems.Count).Append(problems.Count == 1 ? " problem" : " problems").Append("; nothing was loaded):");
        foreach (var problem in problems)
        {
            sb.Append("\n  - ").Append(problem);
        }

        return sb.ToString();
    }
}
