// A custom layer in a few lines of forward code: gradient-checked, trained, and no derivative written anywhere.
using AutoGrad.Examples.CustomLayer;

CustomLayerResult result = CustomLayerDemo.Run(Console.Out);
return result.FirstOrder.Passed && result.SecondOrder.Passed ? 0 : 1;
