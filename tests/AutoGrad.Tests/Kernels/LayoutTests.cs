using AutoGrad.Kernels;

namespace AutoGrad.Tests.Kernels;

public class LayoutTests
{
    public static TheoryData<int, int, int, int, int> Cases => new()
    {
        // outer, extent, inner, start, step — step 1 takes the run-copy path, larger steps the per-position one.
        { 1, 5, 1, 0, 1 }, { 3, 7, 1, 2, 1 }, { 4, 8, 3, 1, 1 }, { 2, 9, 4, 0, 2 }, { 5, 10, 1, 3, 3 }, { 1, 1, 6, 0, 1 }, { 3, 6, 2, 5, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void StridedSelectAndPlace_MatchTheDefinition(int outer, int extent, int inner, int start, int step)
    {
        int count = ((extent - start - 1) / step) + 1;
        var random = new Random(outer * 1000 + extent * 100 + inner * 10 + start + step);
        int[] x = [.. Enumerable.Range(0, outer * extent * inner).Select(_ => random.Next(1, 1000))];

        var selected = new int[outer * count * inner];
        Layout.StridedSelect<int>(x, selected, outer, extent, inner, start, step, count);
        var placed = Enumerable.Repeat(-1, outer * extent * inner).ToArray();
        Layout.StridedPlace<int>(selected, placed, outer, extent, inner, start, step, count);

        for (int o = 0; o < outer; o++)
        {
            for (int e = 0; e < extent; e++)
            {
                bool picked = e >= start && (e - start) % step == 0;
                for (int i = 0; i < inner; i++)
                {
                    int flat = (((o * extent) + e) * inner) + i;
                    if (picked)
                    {
                        int j = (e - start) / step;
                        Assert.Equal(x[flat], selected[(((o * count) + j) * inner) + i]);
                    }

                    Assert.Equal(picked ? x[flat] : 0, placed[flat]);
                }
            }
        }
    }
}
