using AutoGrad.NN.Schedules;

namespace AutoGrad.Tests.NN;

public class ScheduleTests
{
    public static TheoryData<string, long, double> Values() => new()
    {
        { "step", 0, 1.0 },
        { "step", 9, 1.0 },
        { "step", 10, 0.5 },
        { "step", 25, 0.25 },
        { "exponential", 0, 1.0 },
        { "exponential", 2, 0.81 },
        { "exponential staircase", 5, 0.9 },
        { "cosine", 0, 1.0 },
        { "cosine", 50, 0.55 },
        { "cosine", 100, 0.1 },
        { "cosine", 150, 0.1 },
        { "warmup", 0, 0.25 },
        { "warmup", 3, 1.0 },
        { "warmup", 4, 1.0 },
        { "warmup cosine", 4 + 50, 0.55 },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void At_Step_MatchesFormula(string name, long step, double expected)
    {
        LearningRateSchedule schedule = name switch
        {
            "step" => new StepDecay(1.0, 10, 0.5),
            "exponential" => new ExponentialDecay(1.0, 0.9),
            "exponential staircase" => new ExponentialDecay(1.0, 0.9, decaySteps: 4, staircase: true),
            "cosine" => new CosineDecay(1.0, 100, 0.1),
            "warmup" => new WarmUp(1.0, 4),
            "warmup cosine" => new WarmUp(new CosineDecay(1.0, 100, 0.1), 4),
            _ => throw new ArgumentException(name),
        };

        Assert.Equal(expected, schedule.At(step), 12);
    }
}
