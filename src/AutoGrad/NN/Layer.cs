using System.Runtime.CompilerServices;
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
/// parameter and buffer is its path from the outermost model holding it, set when that model discovers it: before the
/// model's forward runs, and — for a layer that creates its tensors lazily — as soon as the layer calls
/// <see cref="MarkBuilt"/>, so even the first forward's ops see named parameters.</para>
/// <para>Caching: discovery runs once per structure. The result (and the lists <see cref="Parameters"/>,
/// <see cref="NamedParameters"/>, <see cref="NamedBuffers"/> return, always the same instances) is kept until the
/// structure changes. A change is noticed without reflection: <see cref="MarkBuilt"/>, <see cref="To"/>,
/// <see cref="Sequential.Add"/> and renaming a layer invalidate the layer and its ancestors, and every read of the cache
/// first compares each slot it was built from (fields, list and dictionary entries) with what the slot holds now,
/// through compiled getters. So assigning a new sub-layer or tensor to a field after construction is picked up at the
/// next read, like PyTorch's attribute registration, with nothing to call.</para>
/// </remarks>
public abstract class Layer
{
    [ThreadStatic]
    private static int callDepth;

    /// <summary>The layer whose <see cref="Call"/> is outermost on this thread, while it runs.</summary>
    [ThreadStatic]
    private static Layer? outermostCall;

    private string? name;

    /// <summary>The last discovery of this layer's structure; reused while <see cref="structureStale"/> is false and its watches hold.</summary>
    private Discovered? discovered;

    /// <summary>Set by an explicit invalidation (a build, <see cref="To"/>, a rename), so the next read discovers again.</summary>
    private bool structureStale;

    /// <summary>The layer that holds this one, set when the holder discovers it; never forms a cycle.</summary>
    private Layer? parent;

    /// <summary>Creates a layer with an optional name (defaults to the snake_case type name, e.g. <c>dense</c>).</summary>
    protected Layer(string? name = null) => this.name = name;

    /// <summary>The layer's name: given by the user, or <see cref="DefaultName"/>.</summary>
    public string Name
    {
        get => name ?? DefaultName;
        set
        {
            name = value;

            // A Sequential derives its keys, and so the parameters' names, from its layers' names.
            InvalidateStructure();
        }
    }

    /// <summary>Whether <see cref="Name"/> was given explicitly.</summary>
    public bool HasExplicitName => name is not null;

    /// <summary>The explicitly given name, or null.</summary>
    internal string? ExplicitName => name;

    /// <summary>How many times this layer has discovered its structure (reflection over its fields); for tests.</summary>
    internal int DiscoveryCount { get; private set; }

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

    /// <summary>
    /// Runs <see cref="Forward"/> and records input and output shapes. The outermost call makes sure the model's
    /// structure is discovered (so every parameter is named) before the forward runs, and checks again after it.
    /// </summary>
    public Tensor Call(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return CallCore([input])[0];
    }

    /// <summary>
    /// The forward pass over any number of inputs and outputs. By default one input goes through <see cref="Forward"/>;
    /// merge layers, lambdas and functional models override it.
    /// </summary>
    [InvokesUserCode]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal virtual Tensor[] ForwardAll(IReadOnlyList<Tensor> inputs)
    {
        if (inputs.Count != 1)
        {
            throw new ArgumentException($"{GetType().Name} '{Name}' takes one input; it was called with {inputs.Count}.");
        }

        return [Forward(inputs[0])];
    }

    /// <summary>What every Call runs: discovery around the outermost call, <see cref="ForwardAll"/>, and the shapes recorded.</summary>
    internal Tensor[] CallCore(IReadOnlyList<Tensor> inputs)
    {
        if (inputs.Count == 0)
        {
            throw new ArgumentException($"{GetType().Name} '{Name}' was called with no inputs.");
        }

        bool outermost = callDepth == 0;
        if (outermost)
        {
            // Before the forward: names every existing parameter and links every sub-layer to its holder, so a lazy
            // sub-layer that builds during this call reaches the model from MarkBuilt and is named at once.
            Top().Current();
            outermostCall = this;
        }

        callDepth++;
        Tensor[] outputs;
        try
        {
            outputs = ForwardAll(inputs);
        }
        finally
        {
            callDepth--;
            if (outermost)
            {
                outermostCall = null;
            }
        }

        InputShape = inputs[0].Shape;
        OutputShape = outputs[0].Shape;
        if (outermost)
        {
            // A custom layer that created tensors without calling MarkBuilt is still discovered (and named) here.
            Top().Current();
        }

        return outputs;
    }

    /// <summary>Switches this layer and all sub-layers to training (true) or evaluation (false) mode.</summary>
    public Layer Train(bool mode = true)
    {
        Training = mode;
        foreach (var found in Current().Found)
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

    /// <summary>
    /// Every parameter (tensor that requires grad) of this layer and its sub-layers, each once, in discovery order. The
    /// same read-only list is returned until the structure changes (see the class remarks), so calling this every step
    /// costs a structure check, not a discovery.
    /// </summary>
    public IReadOnlyList<Tensor> Parameters() => Current().Parameters;

    /// <summary>Every parameter with its path from this layer (cached like <see cref="Parameters"/>). <see cref="Tensor.Name"/>
    /// is the path from the outermost model, which is the same string when this layer is not held by another.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedParameters() => Current().NamedParameters;

    /// <summary>Every buffer (tensor marked <see cref="BufferAttribute"/>) with its path name (cached like <see cref="Parameters"/>).</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedBuffers() => Current().NamedBuffers;

    /// <summary>Every sub-layer at any depth with its path name (this layer excluded).</summary>
    public IReadOnlyList<KeyValuePair<string, Layer>> NamedLayers() => Current().NamedLayers;

    /// <summary>The direct sub-layers with their member names.</summary>
    public IReadOnlyList<KeyValuePair<string, Layer>> NamedChildren() => Current().NamedChildren;

    /// <summary>The total number of parameter elements.</summary>
    public long ParameterCount => Current().ParameterCount;

    /// <summary>Parameters and buffers by name: what <see cref="Save"/> writes (as detached views sharing storage).</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var found in Current().Found)
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
    /// lists and dictionaries). The new tensors are discovered and named before this returns. An optimizer created over
    /// the model itself follows the new parameters; one created over <see cref="Parameters"/> before must be created
    /// again (<c>Model.Fit</c> throws saying so). Returns this layer.
    /// </summary>
    public Layer To(DType dtype)
    {
        foreach (var found in Current().Found)
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

        InvalidateStructure();
        Current();
        return this;
    }

    /// <summary>Saves the weights (and the optimizer's state when given) to a safetensors file, atomically.</summary>
    /// <param name="path">The file; written to a temporary file and renamed into place, so a failed save leaves the old file intact.</param>
    /// <param name="optimizer">The optimizer whose state to save with the weights (AutoGrad naming only).</param>
    /// <param name="naming">
    /// <see cref="WeightNaming.AutoGrad"/> (default): parameter and buffer paths. <see cref="WeightNaming.PyTorch"/>: the
    /// names and layouts of PyTorch's <c>state_dict</c> for the equivalent <c>torch.nn.Sequential</c> (<c>0.weight</c>
    /// <c>[out, in]</c>, <c>running_mean</c>, <c>num_batches_tracked</c>), which <c>load_state_dict</c> accepts.
    /// </param>
    /// <exception cref="ArgumentException">An optimizer was given with <see cref="WeightNaming.PyTorch"/> (such files hold weights only).</exception>
    /// <exception cref="InvalidOperationException">A layer that creates its parameters on its first call has not been called yet (call the model or <see cref="Build"/> it first).</exception>
    /// <exception cref="NotSupportedException">With <see cref="WeightNaming.PyTorch"/>: a layer with weights has no PyTorch mapping (only Dense, Conv2D, BatchNorm, LayerNorm and Embedding, in Sequential models, have one).</exception>
    /// <exception cref="UnauthorizedAccessException">The target file is read-only.</exception>
    /// <exception cref="IOException">The file could not be written (<see cref="DirectoryNotFoundException"/> when its directory is missing).</exception>
    public void Save(string path, Optimizer? optimizer = null, WeightNaming naming = WeightNaming.AutoGrad) =>
        Checkpoint.Save(this, path, optimizer, naming);

    /// <summary>
    /// Loads weights (and the optimizer's state when given) saved by <see cref="Save"/>. Names, shapes and dtypes are
    /// checked before anything is assigned; on any problem nothing changes. The optimizer is left exactly as the file
    /// describes it: its step count, and state only for the parameters the file has state for (a parameter without
    /// state in the file, e.g. one saved before the first step, starts fresh).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="optimizer">The optimizer to restore from the file's optimizer state (AutoGrad naming only).</param>
    /// <param name="naming">
    /// How the file names its weights. <see langword="null"/> (default) detects it from the file's metadata:
    /// <c>{"format": "pt"}</c>, which PyTorch's <c>safetensors.torch.save_file</c> and <c>Save(path, naming: WeightNaming.PyTorch)</c>
    /// write, means <see cref="WeightNaming.PyTorch"/>; anything else <see cref="WeightNaming.AutoGrad"/>. With PyTorch
    /// naming, Dense kernels are transposed from <c>[out, in]</c>, <c>num_batches_tracked</c> is accepted and ignored,
    /// and F32 or F64 weights are converted to the model's dtype.
    /// </param>
    /// <exception cref="ArgumentException">An optimizer was given for a PyTorch-named file (such files hold weights only).</exception>
    /// <exception cref="InvalidDataException">The file is not valid safetensors, or does not match this model (the message lists every mismatch).</exception>
    /// <exception cref="InvalidOperationException">With PyTorch naming: a layer is not built yet.</exception>
    /// <exception cref="NotSupportedException">With PyTorch naming: a layer with weights has no PyTorch mapping.</exception>
    public void Load(string path, Optimizer? optimizer = null, WeightNaming? naming = null) =>
        Checkpoint.Load(this, path, optimizer, naming);

    /// <summary>A Keras-like table of the direct sub-layers (name, type, output shape of the last call, parameter count) with totals.
    /// Before any call the shapes are unknown; call the model once or <see cref="Build"/> it first. A
    /// <see cref="Functional.FunctionalModel"/> adds its inputs and Keras' "Connected to" column (<c>dense[0][0]</c>).</summary>
    public string Summary() => ModelSummary.Format(this);

    /// <summary>
    /// Creates lazily built parameters and records every layer's shapes without training data, like Keras'
    /// <c>model.build(input_shape)</c>: traces one forward pass abstractly at shape <c>[1, ..exampleShape]</c> in evaluation
    /// mode: every op infers its type, no kernel runs and no state (batch-norm statistics, random generators) changes.
    /// </summary>
    /// <param name="exampleShape">The shape of one example, without the batch axis (e.g. <c>[784]</c> or <c>[1, 28, 28]</c>).</param>
    /// <param name="dtype">The dtype of the traced input, which lazily built parameters follow; <see cref="DType.Int64"/> for a model that starts with an <c>Embedding</c>.</param>
    /// <returns>This layer, for chaining (<c>model.Build([784]).Summary()</c>).</returns>
    public Layer Build(Shape exampleShape, DType dtype = DType.Float32)
    {
        bool wasTraining = Training;
        Train(false);
        try
        {
            // Abstractly: every op infers its type (layers record their shapes) but no kernel runs and no state changes.
            Graphs.Graph.Trace(Call, Graphs.TensorSpec.Fixed(new Shape([1, .. exampleShape.ToArray()]), dtype));
        }
        finally
        {
            Train(wasTraining);
        }

        return this;
    }

    /// <summary>
    /// A lazy layer calls this right after creating its parameters or buffers (on its first call, sized from the input)
    /// and before using them: it invalidates the cached structure of this layer and of every layer holding it, and has
    /// the outermost model discover it again, so the new tensors get their path names before the first op uses them.
    /// </summary>
    protected void MarkBuilt()
    {
        InvalidateStructure();

        // Through the model being called: it also finds a sub-layer its parent created during this forward (not linked yet).
        outermostCall?.Top().Current();

        // Through this layer's own holders, when it is built outside any call of theirs.
        Top().Current();
    }

    /// <summary>Puts new tensors in the parameters' slots, in <see cref="Parameters"/> order (for gradient checks of whole layers).</summary>
    internal void ReplaceParameters(IReadOnlyList<Tensor> replacements)
    {
        var slots = Current().Found.Where(f => f.Kind == LayerMembers.Kind.Parameter).ToList();
        if (slots.Count != replacements.Count)
        {
            throw new ArgumentException($"ReplaceParameters: the layer has {slots.Count} parameters, {replacements.Count} tensors were given.");
        }

        for (int i = 0; i < slots.Count; i++)
        {
            (slots[i].Replace ?? throw new InvalidOperationException($"'{slots[i].Path}' is held in a read-only collection."))(replacements[i]);
        }

        InvalidateStructure();
    }

    /// <summary>Marks this layer's cached structure and that of every layer holding it as stale.</summary>
    internal void InvalidateStructure()
    {
        for (Layer? layer = this; layer is not null; layer = layer.parent)
        {
            layer.structureStale = true;
        }
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

    /// <summary>The outermost layer holding this one (itself when none does).</summary>
    private Layer Top()
    {
        Layer layer = this;
        while (layer.parent is { } holder)
        {
            layer = holder;
        }

        return layer;
    }

    /// <summary>The cached discovery if nothing changed since, else a new one.</summary>
    private Discovered Current()
    {
        Discovered? cached = discovered;
        return cached is not null && !structureStale && cached.IsCurrent() ? cached : Discover(cached);
    }

    private Discovered Discover(Discovered? previous)
    {
        var (found, watches) = LayerMembers.Scan(this);
        var result = new Discovered(this, found, watches);
        discovered = result;
        structureStale = false;
        DiscoveryCount++;
        Relink(previous, result);
        if (parent is not null)
        {
            // Names are paths from the outermost model; it checks its own structure (which includes this one) and names.
            Top().Current();
        }

        // Checked again: the holder's discovery may just have found this layer gone and unlinked it.
        if (parent is null)
        {
            foreach (var f in found)
            {
                if (f.Value is Tensor t)
                {
                    t.Name = f.Path;
                }
            }
        }

        return result;
    }

    /// <summary>Links every sub-layer found to its holder, and unlinks the ones this layer held before and no longer does.</summary>
    private void Relink(Discovered? previous, Discovered current)
    {
        foreach (var f in current.Found)
        {
            if (f.Kind == LayerMembers.Kind.Layer && f.Value is Layer child && child.parent != f.Owner && !f.Owner.IsHeldBy(child))
            {
                child.parent = f.Owner;
            }
        }

        if (previous is null)
        {
            return;
        }

        var still = current.Found.Where(f => f.Kind == LayerMembers.Kind.Layer).Select(f => f.Value).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var f in previous.Found)
        {
            if (f.Kind == LayerMembers.Kind.Layer && f.Value is Layer gone && !still.Contains(gone) && gone.parent == f.Owner)
            {
                gone.parent = null;
            }
        }
    }

    /// <summary>Whether <paramref name="candidate"/> is this layer or one of its holders (linking it below this one would make a cycle).</summary>
    private bool IsHeldBy(Layer candidate)
    {
        for (Layer? layer = this; layer is not null; layer = layer.parent)
        {
            if (ReferenceEquals(layer, candidate))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One discovery: what was found, the watches that tell whether it still holds, and the lists handed out.</summary>
    private sealed class Discovered
    {
        private readonly LayerMembers.Watch[] watches;

        public Discovered(Layer owner, List<LayerMembers.Found> found, LayerMembers.Watch[] watches)
        {
            this.watches = watches;
            Found = found.AsReadOnly();
            NamedParameters = Select(found, LayerMembers.Kind.Parameter);
            NamedBuffers = Select(found, LayerMembers.Kind.Buffer);
            Parameters = NamedParameters.Select(p => p.Value).ToList().AsReadOnly();
            NamedLayers = found.Where(f => f.Kind == LayerMembers.Kind.Layer).Select(f => KeyValuePair.Create(f.Path, (Layer)f.Value)).ToList().AsReadOnly();
            NamedChildren = found.Where(f => f.Kind == LayerMembers.Kind.Layer && f.Owner == owner)
                .Select(f => KeyValuePair.Create(f.Path, (Layer)f.Value)).ToList().AsReadOnly();
            ParameterCount = Parameters.Sum(p => (long)p.Size);
        }

        public IReadOnlyList<LayerMembers.Found> Found { get; }

        public IReadOnlyList<Tensor> Parameters { get; }

        public IReadOnlyList<KeyValuePair<string, Tensor>> NamedParameters { get; }

        public IReadOnlyList<KeyValuePair<string, Tensor>> NamedBuffers { get; }

        public IReadOnlyList<KeyValuePair<string, Layer>> NamedLayers { get; }

        public IReadOnlyList<KeyValuePair<string, Layer>> NamedChildren { get; }

        public long ParameterCount { get; }

        /// <summary>True when every slot read by the discovery still holds what it held (allocation-free, no reflection).</summary>
        public bool IsCurrent()
        {
            foreach (var watch in watches)
            {
                if (watch.Changed())
                {
                    return false;
                }
            }

            return true;
        }

        private static IReadOnlyList<KeyValuePair<string, Tensor>> Select(List<LayerMembers.Found> found, LayerMembers.Kind kind) =>
            found.Where(f => f.Kind == kind).Select(f => KeyValuePair.Create(f.Path, (Tensor)f.Value)).ToList().AsReadOnly();
    }
}
