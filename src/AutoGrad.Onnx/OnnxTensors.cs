using System.Runtime.InteropServices;
using AutoGrad.Tensors;
using Onnx;

namespace AutoGrad.Onnx;

/// <summary>An integer tensor known when the model is traced (shapes, axes, Shape() results): computed eagerly, never a graph value.</summary>
/// <param name="Data">The values, row-major.</param>
/// <param name="Shape">The dimensions (empty for a scalar).</param>
internal sealed record StaticInts(long[] Data, int[] Shape)
{
    public static StaticInts Vector(params long[] data) => new(data, [data.Length]);
}

/// <summary>Decodes ONNX <see cref="TensorProto"/> initializers and constants, checking their byte size against their shape.</summary>
internal static class OnnxTensors
{
    public static bool IsFloat(int dataType) =>
        dataType is (int)TensorProto.Types.DataType.Float or (int)TensorProto.Types.DataType.Double;

    public static bool IsInteger(int dataType) =>
        dataType is (int)TensorProto.Types.DataType.Int64 or (int)TensorProto.Types.DataType.Int32;

    /// <summary>A float or double tensor.</summary>
    /// <exception cref="InvalidDataException">Unsupported element type, external data, or a byte size that does not match the shape.</exception>
    public static Tensor ToTensor(TensorProto proto, string source)
    {
        int[] shape = Dims(proto, source);
        long count = Count(shape);
        if (proto.DataType == (int)TensorProto.Types.DataType.Float)
        {
            float[] values = proto.RawData.Length > 0 || proto.FloatData.Count == 0
                ? Raw<float>(proto, count, source)
                : Listed(proto.FloatData, count, proto, source);
            return shape.Length == 0 ? Tensor.Scalar(values[0]) : Tensor.FromArray(values, shape);
        }

        if (proto.DataType == (int)TensorProto.Types.DataType.Double)
        {
            double[] values = proto.RawData.Length > 0 || proto.DoubleData.Count == 0
                ? Raw<double>(proto, count, source)
                : Listed(proto.DoubleData, count, proto, source);
            return shape.Length == 0 ? Tensor.Scalar(values[0], DType.Float64) : Tensor.FromArray(values, shape);
        }

        throw new InvalidDataException($"{source}: tensor '{proto.Name}' has element type {TypeName(proto.DataType)}; only float, double, int32 and int64 are supported.");
    }

    /// <summary>An int64 or int32 tensor as static integers.</summary>
    public static StaticInts ToInts(TensorProto proto, string source)
    {
        int[] shape = Dims(proto, source);
        long count = Count(shape);
        long[] values = proto.DataType switch
        {
            (int)TensorProto.Types.DataType.Int64 => proto.RawData.Length > 0 || proto.Int64Data.Count == 0
                ? Raw<long>(proto, count, source)
                : Listed(proto.Int64Data, count, proto, source),
            (int)TensorProto.Types.DataType.Int32 => proto.RawData.Length > 0 || proto.Int32Data.Count == 0
                ? [.. Raw<int>(proto, count, source).Select(v => (long)v)]
                : [.. Listed(proto.Int32Data, count, proto, source).Select(v => (long)v)],
            _ => throw new InvalidDataException($"{source}: tensor '{proto.Name}' has element type {TypeName(proto.DataType)} where integers were expected."),
        };
        return new StaticInts(values, shape);
    }

    public static string TypeName(int dataType) => Enum.IsDefined(typeof(TensorProto.Types.DataType), dataType)
        ? ((TensorProto.Types.DataType)dataType).ToString().ToLowerInvariant()
        : $"#{dataType}";

    private static int[] Dims(TensorProto proto, string source)
    {
        if (proto.DataLocation == TensorProto.Types.DataLocation.External || proto.ExternalData.Count > 0)
        {
            throw new InvalidDataException($"{source}: tensor '{proto.Name}' keeps its data in an external file, which is not supported; save the model with its weights inside.");
        }

        if (proto.Dims.Any(d => d < 0 || d > int.MaxValue))
        {
            throw new InvalidDataException($"{source}: tensor '{proto.Name}' has an invalid shape [{string.Join(", ", proto.Dims)}].");
        }

        return [.. proto.Dims.Select(d => (int)d)];
    }

    private static long Count(int[] shape) => shape.Aggregate(1L, (a, d) => a * d);

    private static T[] Raw<T>(TensorProto proto, long count, string source)
        where T : unmanaged
    {
        int size = Marshal.SizeOf<T>();
        if (proto.RawData.Length != count * size)
        {
            throw new InvalidDataException(
                $"{source}: tensor '{proto.Name}' holds {proto.RawData.Length} bytes of data but its shape [{string.Join(", ", proto.Dims)}] of " +
                $"{TypeName(proto.DataType)} needs {count * size}.");
        }

        return MemoryMarshal.Cast<byte, T>(proto.RawData.Span).ToArray();
    }

    private static T[] Listed<T>(IReadOnlyCollection<T> values, long count, TensorProto proto, string source)
    {
        if (values.Count != count)
        {
            throw new InvalidDataException(
                $"{source}: tensor '{proto.Name}' lists {values.Count} values but its shape [{string.Join(", ", proto.Dims)}] needs {count}.");
        }

        return [.. values];
    }
}
