using AutoGrad.Differentiation;
using System.Text;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;

namespace AutoGrad.NN;

/// <summary>
/// The base of every layer and model: a forward pass written with tensor ops, plus named, hierarchical parameters
/// discovered automatically. A custom layer only stores its parameters in fields and implements <see cref="Forward"/>;
/// gradients come from the ops it uses.
/// </summary>
/// <remarks>
/// <para>Discovery: every instance field or auto-property holding a <see cref="Tensor"/> that requires grad is a
/// parameter, one marked <see cref="BufferAttribute"/> is a buffer (saved, not trained), and one holding a
/// <see cref="Layer"/> is a sub-layer — also inside lists, arrays and dictionaries, at any depth. A tensor that
/// requires grad hidden in anything else (a tuple, a set, a helper object) is reported as an error.</para>
/// <para>Names: a parameter's name is its path of member names from the model, lower-camel-cased, with list indices
/// and dictionary keys as segments (<c>encoder.layers.0.kernel</c>); <see cref="Sequential"/> names its layers like
/// Keras (<c>dense</c>, <c>dense_1</c>), counted per model, never per process. <see cref="Tensor.Name"/> of each
/// parameter is set to its name when the outermost layer is called or <see cref="NamedParameters"/> is read.</para>
/// </remarks>
public abstract class Layer
{
    [ThreadStatic]
    private static int callDepth;

    [ThreadStatic]
    private static bool structureChanged;

    private string? name;
    private bool namesAssigned;

    /// <summary>Creates a layer with an optional name (defaults to the snake_case type name, e.g. <c>dense</c>).</summary>
    protected Layer(string? name = null) => this.name = name;

    /// <summary>The layer's name: given by the user, or <see cref="DefaultName"/>.</summary>
    public string Name
    {
        get => name ?? DefaultName;
        set => name = value;
    }

    /// <summary>Whether <see cref="Name"/> was given explicitly.</summary>
    public bool HasExplicitName => name is not null;

    /// <summary>The name used when none is given: the type name in snake_case (<c>Conv2D</c> → <c>conv2d</c>).</summary>
    protected virtual string DefaultName => SnakeCase(GetType().Name);

    /// <summary>True in training mode (dropout active, batch norm uses batch statistics), false after <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>The input shape of the most recent call, or null before the first.</summary>
    public Shape? InputShape { get; private set; }

    /// <summary>The output shape of the most recent call, or null before the first.</summary>
    public Shape? OutputShape { get; private set; }

    /// <summary>The forward pass. Write it with tensor ops only; never call it directly from outside — use <see cref="Call"/>.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Runs <see cref="Forward"/>, records input and output shapes, and names new parameters after the outermost call.</summary>
    public Tensor Call(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        bool outermost = callDepth == 0;
        if (outermost)
        {
            structureChanged = false;
        }

        callDepth++;
        Tensor output;
        try
        {
            output = Forward(input);
        }
        finally
        {
            callDepth--;
        }

        InputShape = input.Shape;
        OutputShape = output.Shape;
        if (outermost && (structureChanged || !namesAssigned))
        {
            AssignNames();
        }

        return output;
    }

    /// <summary>Switches this layer and all sub-layers to training (true) or evaluation (false) mode.</summary>
    public Layer Train(bool mode = true)
    {
        Training = mode;
        foreach (var found in LayerMembers.Collect(this))
        {
            if (found.Kind == LayerMembers.Kind.Layer)
            {
                ((Layer)found.Value).Training = mode;
            }
        }

        return this;
    }

    /// <summary>Switches to evaluation mode (<c>Train(false)</c>).</summary>
    public Layer Eval() => Train(false);

    /// <summary>Every parameter (tensor that requires grad) of this layer and its sub-layers, each once, in discovery order.</summary>
    public IReadOnlyList<Tensor> Parameters() => [.. NamedParameters().Select(p => p.Value)];

    /// <summary>Every parameter with its path name (which is also assigned to <see cref="Tensor.Name"/>).</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedParameters() => Named(LayerMembers.Kind.Parameter);

    /// <summary>Every buffer (tensor marked <see cref="BufferAttribute"/>) with its path name.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedBuffers() => Named(LayerMembers.Kind.Buffer);

    /// <summary>Every sub-layer at any depth with its path name (this layer excluded).</summary>
    public IReadOnlyList<KeyValuePair<string, Layer>> NamedLayers() =>
        [.. LayerMembers.Collect(this).Where(f => f.Kind == LayerMembers.Kind.Layer).Select(f => KeyValuePair.Create(f.Path, (Layer)f.Value))];

    /// <summary>The direct sub-layers with their member names.</summary>
    public IReadOnlyList<KeyValuePair<string, Layer>> NamedChildren() =>
        [.. LayerMembers.Collect(this).Where(f => f.Kind == LayerMembers.Kind.Layer && f.Owner == this).Select(f => KeyValuePair.Create(f.Path, (Layer)f.Value))];

    /// <summary>The total number of parameter elements.</summary>
    public long ParameterCount => NamedParameters().Sum(p => (long)p.Value.Size);

    /// <summary>Parameters and buffers by name: what <see cref="Save"/> writes (as detached views sharing storage).</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var found in LayerMembers.Collect(this))
        {
            if (found.Kind != LayerMembers.Kind.Layer)
            {
                state[found.Path] = ((Tensor)found.Value).Detach();
            }
        }

        return state;
    }

    /// <summary>
    /// Copies values into the parameters and buffers. Everything is checked first (missing and unexpected names, shapes,
    /// dtypes), so on error nothing is changed.
    /// </summary>
    /// <param name="state">Values by name.</param>
    /// <param name="strict">When false, missing and unexpected names are ignored (shapes and dtypes are still checked).</param>
    /// <exception cref="ArgumentException">A mismatch; the message lists every problem.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var targets = StateDict();
        var problems = StateCheck.Compare(targets, state.ToDictionary(p => p.Key, p => p.Value.Type, StringComparer.Ordinal), strict);
        if (problems.Count > 0)
        {
            throw new ArgumentException(StateCheck.Message("LoadStateDict", "the given state", problems));
        }

        using (Differentiation.Autodiff.NoGrad())
        {
            foreach (var (key, target) in targets)
            {
                if (state.TryGetValue(key, out var source))
                {
                    target.Assign(source);
                }
            }
        }
    }

    /// <summary>Clears the gradient of every parameter.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters())
        {
            p.ZeroGrad();
        }
    }

    /// <summary>
    /// Converts every parameter and buffer to <paramref name="dtype"/> in place (replacing the tensors held in fields,
    /// lists and dictionaries). An optimizer created over the model itself follows the new parameters; one created
    /// over <see cref="Parameters"/> before must be created again (<c>Model.Fit</c> throws saying so). Returns this layer.
    /// </summary>
    public Layer To(DType dtype)
    {
        foreach (var found in LayerMembers.Collect(this))
        {
            if (found.Kind != LayerMembers.Kind.Layer && found.Value is Tensor t && t.DType != dtype)
            {
                if (found.Replace is null)
                {
                    throw new InvalidOperationException($"To({dtype}): '{found.Path}' is held in a read-only collection and cannot be replaced.");
                }

                found.Replace(t.To(dtype).Clone().RequireGrad(t.RequiresGrad && t.IsLeaf));
            }
        }

        namesAssigned = false;
        AssignNames();
        return this;
    }

    /// <summary>Saves the weights (and the optimizer's state when given) to a safetensors file, atomically.</summary>
    /// <exception cref="InvalidOperationException">A layer that creates its parameters on its first call has not been called yet (call the model or <see cref="Build"/> it first).</exception>
    /// <exception cref="UnauthorizedAccessException">The target file is read-only.</exception>
    /// <exception cref="IOException">The file could not be written (<see cref="DirectoryNotFoundException"/> when its directory is missing).</exception>
    public void Save(string path, Optimizer? optimizer = null) => Checkpoint.Save(this, path, optimizer);

    /// <summary>
    /// Loads weights (and the optimizer's state when given) saved by <see cref="Save"/>. Names, shapes and dtypes are
    /// checked before anything is assigned; on any problem nothing changes. The optimizer is left exactly as the file
    /// describes it: its step count, and state only for the parameters the file has state for (a parameter without
    /// state in the file, e.g. one saved before the first step, starts fresh).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not valid safetensors, or does not match this model (the message lists every mismatch).</exception>
    public void Load(string path, Optimizer? optimizer = null) => Checkpoint.Load(this, path, optimizer);

    /// <summary>A Keras-like table of the direct sub-layers (name, type, output shape of the last call, parameter count) with totals.
    /// Before any call the shapes are unknown; call the model once or <see cref="Build"/> it first.</summary>
    public string Summary() => ModelSummary.Format(this);

    /// <summary>
    /// Creates lazily built parameters and records every layer's shapes without training data, like Keras'
    /// <c>model.build(input_shape)</c>: runs one forward pass on zeros of shape <c>[1, ..exampleShape]</c> in evaluation
    /// mode (so batch-norm statistics and dropout are untouched) with no gradients recorded.
    /// </summary>
    /// <param name="exampleShape">The shape of one example, without the batch axis (e.g. <c>[784]</c> or <c>[1, 28, 28]</c>).</param>
    /// <param name="dtype">The dtype of the parameters to create.</param>
    /// <returns>This layer, for chaining (<c>model.Build([784]).Summary()</c>).</returns>
    public Layer Build(Shape exampleShape, DType dtype = DType.Float32)
    {
        bool wasTraining = Training;
        Train(false);
        try
        {
            using (Autodiff.NoGrad())
            {
                Call(Tensor.Zeros([1, .. exampleShape.ToArray()], dtype));
            }
        }
        finally
        {
            Train(wasTraining);
        }

        return this;
    }

    /// <summary>Lazy layers call this after creating parameters on first use, so the outermost call names them.</summary>
    protected static void MarkBuilt() => structureChanged = true;

    /// <summary>Puts new tensors in the parameters' slots, in <see cref="Parameters"/> order (for gradient checks of whole layers).</summary>
    internal void ReplaceParameters(IReadOnlyList<Tensor> replacements)
    {
        var slots = LayerMembers.Collect(this).Where(f => f.Kind == LayerMembers.Kind.Parameter).ToList();
        if (slots.Count != replacements.Count)
        {
            throw new ArgumentException($"ReplaceParameters: the layer has {slots.Count} parameters, {replacements.Count} tensors were given.");
        }

        for (int i = 0; i < slots.Count; i++)
        {
            (slots[i].Replace ?? throw new InvalidOperationException($"'{slots[i].Path}' is held in a read-only collection."))(replacements[i]);
        }
    }

    /// <summary>Sets <see cref="Tensor.Name"/> of every parameter and buffer to its path.</summary>
    internal void AssignNames()
    {
        foreach (var found in LayerMembers.Collect(this))
        {
            if (found.Value is Tensor t)
            {
                t.Name = found.Path;
            }
        }

        namesAssigned = true;
    }

    /// <summary>Snake_case of a type name: <c>MaxPool2D</c> → <c>max_pool2d</c>.</summary>
    internal static string SnakeCase(string typeName)
    {
        var sb = new StringBuilder(typeName.Length + 4);
        for (int i = 0; i < typeName.Length; i++)
        {
            char c = typeName[i];
            if (char.IsUpper(c) && i > 0 && char.IsLower(typeName[i - 1]))
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }

    private IReadOnlyList<KeyValuePair<string, Tensor>> Named(LayerMembers.Kind kind)
    {
        var found = LayerMembers.Collect(this);
        var result = new List<KeyValuePair<string, Tensor>>();
        foreach (var f in found)
        {
            if (f.Value is Tensor t)
            {
                t.Name = f.Path;
                if (f.Kind == kind)
                {
                    result.Add(KeyValuePair.Create(f.Path, t));
                }
            }
        }

        namesAssigned = true;
        return result;
    }
}
