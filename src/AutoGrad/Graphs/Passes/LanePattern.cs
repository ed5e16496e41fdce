namespace AutoGrad.Graphs.Passes;

/// <summary>
/// How one instruction of a fused program runs over a block: on spans, a span with one value, one value with a span, or
/// on one value only (its result is then one value too). Shared by <see cref="FusedLoop{T}"/> and
/// <see cref="EpilogueLoop{T}"/>, which differ only in where their operands come from.
/// </summary>
internal enum LanePattern
{
    Spans,
    SpanValue,
    ValueSpan,
    OneValue,
}

/// <summary>Classifies an instruction by whether its operands are one value for the whole block.</summary>
internal static class LanePatterns
{
    /// <summary>The pattern of an instruction with <paramref name="operandCount"/> operands (a unary op has no right one).</summary>
    public static LanePattern Of(bool leftIsOneValue, bool rightIsOneValue, int operandCount) =>
        (leftIsOneValue, operandCount == 1 || rightIsOneValue) switch
        {
            (true, true) => LanePattern.OneValue,
            (false, true) when operandCount == 1 => LanePattern.Spans,
            (false, true) => LanePattern.SpanValue,
            (true, false) => LanePattern.ValueSpan,
            _ => LanePattern.Spans,
        };
}
