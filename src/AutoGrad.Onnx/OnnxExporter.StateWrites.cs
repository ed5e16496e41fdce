using System.Globalization;
using AutoGrad.Graphs;
using AutoGrad.Ops;
using AutoGrad.Tensors;
using Onnx;
using static AutoGrad.Onnx.OnnxBuilder;

namespace AutoGrad.Onnx;

/// <summary>
/// Which parameters of a training-step graph the exported model takes as inputs: <see cref="State"/>, written by the
/// step (each also an output, its new value), and <see cref="Hyperparameters"/>, only read by the updates (the learning
/// rate). Indices into <see cref="Graph.Parameters"/>, in ascending order.
/// </summary>
internal sealed record StepState(int[] State, int[] Hyperparameters)
{
    /// <summary>Finds the state and hyperparameters of <paramref name="graph"/> and checks that every write targets a parameter.</summary>
    /// <exception cref="ArgumentException">The graph writes no state, or a write targets a value that is not a captured tensor.</exception>
    public static StepState Of(Graph graph)
    {
        var state = new SortedSet<int>();
        var hyper = new SortedSet<int>();
        for (int n = 0; n < graph.Nodes.Length; n++)
        {
            GraphNode node = graph.Nodes[n];
            if (node.Op.Effect != OpEffect.WritesState)
            {
                continue;
            }

            foreach (int w in node.Op.WrittenInputs)
            {
                ValueRef target = node.Inputs[w];
                if (target.Kind != ValueKind.Parameter)
                {
                    throw new ArgumentException(
                        $"ONNX training-step export: node {n.ToString(CultureInfo.InvariantCulture)} ('{node.Op.Name}') writes its input {w.ToString(CultureInfo.InvariantCulture)}, " +
                        $"which is a {target.Kind}, not a captured state tensor.");
                }

                state.Add(target.Index);
            }

            // An optimizer update's last input is the learning rate: read, never written, fed at every step.
            if (node.Op.Name.EndsWith("_update", StringComparison.Ordinal) && node.Inputs[^1].Kind == ValueKind.Parameter)
            {
                hyper.Add(node.Inputs[^1].Index);
            }
        }

        if (state.Count == 0)
        {
            throw new ArgumentException("ONNX training-step export: the graph writes no state (no optimizer update or assign); export it with Graph.ToOnnx.");
        }

        hyper.ExceptWith(state);
        return new StepState([.. state], [.. hyper]);
    }
}

/// <summary>The state writes of a training step, each decomposed into standard ops that compute the new values.</summary>
internal sealed partial class OnnxExporter
{
    /// <summary>How each state-writing op is exported (for docs and tests).</summary>
    public static readonly IReadOnlyDictionary<string, string> StateWriteTable = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["assign"] = "the value (Cast to the target's type if needed) becomes the target's new value",
        ["sgd_update"] = "Add, Mul, Sub; momentum buffer Where(Equal(step, 1), d, μb + (1 − dampening)d); Nesterov d + μb",
        ["adam_update"] = "Add, Mul, Div, Sqrt; bias corrections 1 − Pow(β, step) in float64; moments flushed with Where(Less(Abs))",
        ["rmsprop_update"] = "Add, Mul, Div, Sqrt (and the momentum buffer μb + d/(√v + ε))",
        ["adagrad_update"] = "Add, Mul, Div, Sqrt",
    };

    /// <summary>
    /// The new values of the inputs <paramref name="op"/> writes, in the order of <see cref="Op.WrittenInputs"/>. The
    /// formulas are those of the kernels in <c>Kernels/OptimizerUpdates</c>, evaluated in the same order with the same
    /// roundings: scalars the kernel converts to the parameter's type (learning rate, bias corrections, 1 − β) are converted
    /// here too, and the step count and learning rate stay float64 scalars.
    /// </summary>
    private string[] TranslateStateWrite(Op op, string[] x, GraphNode node, int index)
    {
        DType dtype = graph.TypeOf(node.Inputs[0]).DType;
        if (op.Name == "assign")
        {
            DType valueType = graph.TypeOf(node.Inputs[1]).DType;
            return [valueType == dtype ? x[1] : b.Add("Cast", [x[1]], Attr("to", ElementType(dtype)))];
        }

        int slots = x.Length - 4;
        string p = x[0], g = x[1], stepCount = x[2 + slots], learningRate = x[3 + slots];
        if (!op.Name.EndsWith("_update", StringComparison.Ordinal) || slots < 0)
        {
            throw Error(op, index, "it writes state in a way the training-step export does not know");
        }

        string newStep = b.Add("Add", [stepCount, b.Filled(1, DType.Float64, Shape.Scalar)]);
        string lr = ToType(learningRate, dtype);
        string Scalar(double value) => b.Filled(value, dtype, Shape.Scalar);
        string Decayed(double weightDecay) => weightDecay == 0 ? g : b.Add("Add", [g, b.Add("Mul", [Scalar(weightDecay), p])]);

        switch (op.Name)
        {
            case "sgd_update":
            {
                double momentum = Get<double>(op, "momentum"), weightDecay = Get<double>(op, "weight_decay");
                string d = Decayed(weightDecay);
                if (slots == 0)
                {
                    return [b.Add("Sub", [p, b.Add("Mul", [lr, d])]), newStep];
                }

                // The buffer starts as d on the first update (step 1), as in PyTorch; keep = 1 − dampening.
                double keep = RoundTo(1 - Get<double>(op, "dampening"), dtype);
                string first = b.Add("Equal", [newStep, b.Filled(1, DType.Float64, Shape.Scalar)]);
                string later = b.Add("Add", [b.Add("Mul", [Scalar(momentum), x[2]]), b.Add("Mul", [Scalar(keep), d])]);
                string buffer = b.Add("Where", [first, d, later]);
                string direction = Get<bool>(op, "nesterov") ? b.Add("Add", [d, b.Add("Mul", [Scalar(momentum), buffer])]) : buffer;
                return [b.Add("Sub", [p, b.Add("Mul", [lr, direction])]), buffer, newStep];
            }

            case "adam_update":
            {
                double beta1 = Get<double>(op, "beta1"), beta2 = Get<double>(op, "beta2"), epsilon = Get<double>(op, "epsilon");
                double weightDecay = Get<double>(op, "weight_decay");
                bool decoupled = Get<bool>(op, "decoupled");
                if (Get<bool>(op, "amsgrad"))
                {
                    throw Error(op, index, "the training-step export does not decompose AMSGrad (amsgrad: true, slot max_v); " +
                        "export a step of Adam or AdamW with amsgrad: false");
                }


                // c = 1 − βᵗ in float64 from the incremented step, then in the parameter's type; step size lr/c₁, 1/√c₂.
                string Correction(double beta) => ToType(
                    b.Add("Sub", [b.Filled(1, DType.Float64, Shape.Scalar), b.Add("Pow", [b.Filled(beta, DType.Float64, Shape.Scalar), newStep])]), dtype);
                string stepSize = b.Add("Div", [lr, Correction(beta1)]);
                string inverseRoot = b.Add("Div", [Scalar(1), b.Add("Sqrt", [Correction(beta2)])]);

                string d = decoupled ? g : Decayed(weightDecay);
                string m = Flush(b.Add("Add", [b.Add("Mul", [Scalar(beta1), x[2]]), b.Add("Mul", [Scalar(OneMinus(beta1, dtype)), d])]), dtype);
                string v = Flush(b.Add("Add", [b.Add("Mul", [Scalar(beta2), x[3]]),
                    b.Add("Mul", [b.Add("Mul", [Scalar(OneMinus(beta2, dtype)), d]), d])]), dtype);
                string denominator = b.Add("Add", [b.Add("Mul", [b.Add("Sqrt", [v]), inverseRoot]), Scalar(epsilon)]);
                string change = b.Add("Div", [b.Add("Mul", [stepSize, m]), denominator]);

                // AdamW shrinks the parameter by 1 − lr·λ, computed in float64 as the op does.
                string kept = p;
                if (decoupled)
                {
                    string shrink = b.Add("Sub", [b.Filled(1, DType.Float64, Shape.Scalar),
                        b.Add("Mul", [learningRate, b.Filled(weightDecay, DType.Float64, Shape.Scalar)])]);
                    kept = b.Add("Mul", [p, ToType(shrink, dtype)]);
                }

                return [b.Add("Sub", [kept, change]), m, v, newStep];
            }

            case "rmsprop_update":
            {
                double alpha = Get<double>(op, "alpha"), epsilon = Get<double>(op, "epsilon"), momentum = Get<double>(op, "momentum");
                if (Get<bool>(op, "centered"))
                {
                    throw Error(op, index, "the training-step export does not decompose centered RMSprop (centered: true, slot grad_avg); " +
                        "export a step of RmsProp with centered: false");
                }

                string d = Decayed(Get<double>(op, "weight_decay"));
                string v = b.Add("Add", [b.Add("Mul", [Scalar(alpha), x[2]]), b.Add("Mul", [b.Add("Mul", [Scalar(OneMinus(alpha, dtype)), d]), d])]);
                string scaled = b.Add("Div", [d, b.Add("Add", [b.Add("Sqrt", [v]), Scalar(epsilon)])]);
                if (slots == 1)
                {
                    return [b.Add("Sub", [p, b.Add("Mul", [lr, scaled])]), v, newStep];
                }

                string buffer = b.Add("Add", [b.Add("Mul", [Scalar(momentum), x[3]]), scaled]);
                return [b.Add("Sub", [p, b.Add("Mul", [lr, buffer])]), v, buffer, newStep];
            }

            case "adagrad_update":
            {
                double epsilon = Get<double>(op, "epsilon");
                string d = Decayed(Get<double>(op, "weight_decay"));
                string sum = b.Add("Add", [x[2], b.Add("Mul", [d, d])]);
                string change = b.Add("Div", [b.Add("Mul", [lr, d]), b.Add("Add", [b.Add("Sqrt", [sum]), Scalar(epsilon)])]);
                return [b.Add("Sub", [p, change]), sum, newStep];
            }
        }

        throw Error(op, index, "it writes state in a way the training-step export does not know (it decomposes assign, " +
            "sgd_update, adam_update without amsgrad, rmsprop_update without centered, and adagrad_update)");
    }

    /// <summary><paramref name="value"/> (float64) converted to <paramref name="dtype"/>, as the kernels' <c>T.CreateTruncating</c> does.</summary>
    private string ToType(string value, DType dtype) =>
        dtype == DType.Float64 ? value : b.Add("Cast", [value], Attr("to", ElementType(dtype)));

    /// <summary>x, or 0 where |x| is below the smallest normal number: the flush the Adam kernel applies to its moments.</summary>
    private string Flush(string value, DType dtype)
    {
        double smallest = dtype == DType.Float64 ? 2.2250738585072014E-308 : 1.17549435E-38;
        string tiny = b.Add("Less", [b.Add("Abs", [value]), b.Filled(smallest, dtype, Shape.Scalar)]);
        return b.Add("Where", [tiny, b.Filled(0, dtype, Shape.Scalar), value]);
    }

    /// <summary>1 − a computed in <paramref name="dtype"/> after rounding a to it, as the kernels compute <c>one - beta</c>.</summary>
    private static double OneMinus(double a, DType dtype) => dtype == DType.Float64 ? 1 - a : 1f - (float)a;

    private static double RoundTo(double value, DType dtype) => dtype == DType.Float64 ? value : (float)value;
}
