using AutoGrad.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = AutoGrad.Tensors.Tensor;

namespace AutoGrad.Onnx.Tests;

/// <summary>Runs ONNX models with ONNX Runtime (the judge) and compares results with AutoGrad's.</summary>
internal static class Ort
{
    /// <summary>Runs <paramref name="model"/> on <paramref name="inputs"/> (fed in the model's input order) and returns every output as an AutoGrad tensor.</summary>
    public static Tensor[] Run(byte[] model, params Tensor[] inputs)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model, options);
        return Run(session, inputs);
    }

    /// <summary>Runs an open session.</summary>
    public static Tensor[] Run(InferenceSession session, params Tensor[] inputs)
    {
        var names = session.InputNames;
        Assert.Equal(names.Count, inputs.Length);
        var feeds = new List<NamedOnnxValue>();
        for (int i = 0; i < inputs.Length; i++)
        {
            int[] dims = inputs[i].Shape.ToArray();
            feeds.Add(inputs[i].DType switch
            {
                DType.Float64 => NamedOnnxValue.CreateFromTensor(names[i], new DenseTensor<double>(inputs[i].ToArray<double>(), dims)),
                DType.Int64 => NamedOnnxValue.CreateFromTensor(names[i], new DenseTensor<long>(inputs[i].ToArray<long>(), dims)),
                DType.Int32 => NamedOnnxValue.CreateFromTensor(names[i], new DenseTensor<int>(inputs[i].ToArray<int>(), dims)),
                DType.Bool => NamedOnnxValue.CreateFromTensor(names[i], new DenseTensor<bool>(inputs[i].ToArray<bool>(), dims)),
                DType.UInt8 => NamedOnnxValue.CreateFromTensor(names[i], new DenseTensor<byte>(inputs[i].ToArray<byte>(), dims)),
                _ => NamedOnnxValue.CreateFromTensor(names[i], new DenseTensor<float>(inputs[i].ToArray<float>(), dims)),
            });
        }

        using var results = session.Run(feeds);
        var outputs = new List<Tensor>();
        foreach (var result in results)
        {
            if (result.Value is DenseTensor<double> d)
            {
                outputs.Add(d.Dimensions.Length == 0 ? Tensor.Scalar(d.GetValue(0), DType.Float64) : Tensor.FromArray(d.ToArray(), [.. d.Dimensions.ToArray()]));
            }
            else if (result.Value is DenseTensor<long> l)
            {
                outputs.Add(Tensor.FromArray(l.ToArray(), [.. l.Dimensions.ToArray()]));
            }
            else if (result.Value is DenseTensor<int> n)
            {
                outputs.Add(Tensor.FromArray(n.ToArray(), [.. n.Dimensions.ToArray()]));
            }
            else if (result.Value is DenseTensor<bool> b)
            {
                outputs.Add(Tensor.FromArray(b.ToArray(), [.. b.Dimensions.ToArray()]));
            }
            else if (result.Value is DenseTensor<byte> u)
            {
                outputs.Add(Tensor.FromArray(u.ToArray(), [.. u.Dimensions.ToArray()]));
            }
            else
            {
                var f = result.AsTensor<float>();
                outputs.Add(f.Dimensions.Length == 0 ? Tensor.Scalar(f.GetValue(0)) : Tensor.FromArray(f.ToArray(), [.. f.Dimensions.ToArray()]));
            }
        }

        return [.. outputs];
    }

    /// <summary>max |a − e| / max(|e|, 1) over all elements: the relative error, with an absolute floor near zero.</summary>
    public static double MaxRelativeError(Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        // Integer and bool results must match in dtype too (ONNX's int64 ArgMax, bool comparisons).
        Assert.Equal(expected.DType, actual.DType);
        double[] a = actual.ToArray<double>(), e = expected.ToArray<double>();
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            if (double.IsNaN(e[i]) && double.IsNaN(a[i]))
            {
                continue;
            }

            worst = Math.Max(worst, Math.Abs(a[i] - e[i]) / Math.Max(Math.Abs(e[i]), 1.0));
        }

        return worst;
    }

    /// <summary>Asserts every output pair agrees within <paramref name="tolerance"/> (relative, see <see cref="MaxRelativeError"/>) and returns the worst error.</summary>
    public static double AssertClose(IReadOnlyList<Tensor> actual, IReadOnlyList<Tensor> expected, double tolerance, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        double worst = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            double error = MaxRelativeError(actual[i], expected[i]);
            Assert.True(error <= tolerance, $"{what}: output {i} differs by {error:E3} (tolerance {tolerance:E1}).\nexpected {expected[i]}\nactual   {actual[i]}");
            worst = Math.Max(worst, error);
        }

        return worst;
    }
}
