using System.CommandLine;
using System.Reflection;
using System.Runtime.Loader;
using ParallelExec.Blocks;

namespace ParallelExec.Cli.Chains;

/// <summary>
/// <c>--codec-assembly PATH</c>: a node's assembly whose public <see cref="ITransactionCodec"/> classes
/// (each with a public parameterless constructor) are registered beside the built-in kinds, so the
/// chain commands read and write chain files of the node's own transaction types. The assembly is
/// loaded into the default context (it shares ParallelExec with the CLI); its other dependencies are
/// resolved from its own folder (its .deps.json).
/// </summary>
public static class CodecAssemblies
{
    /// <summary>A new option instance (one per command).</summary>
    public static Option<FileInfo[]> CreateOption() => new("--codec-assembly")
    {
        Description = "A .NET assembly with the node's transaction codecs (public ITransactionCodec classes); repeatable",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>The registry for <paramref name="paths"/>: null (the built-in kinds) when none is given.</summary>
    public static TransactionCodecRegistry? Load(FileInfo[]? paths)
    {
        if (paths is null || paths.Length == 0) return null;
        var registry = TransactionCodecRegistry.CreateDefault();
        foreach (var file in paths)
        {
            string where = $"--codec-assembly {file.FullName}";
            if (!file.Exists) throw new ArgumentException($"{where}: no such file");
            int registered = 0;
            foreach (var type in ExportedTypes(file.FullName, where))
            {
                if (!type.IsClass || type.IsAbstract || !typeof(ITransactionCodec).IsAssignableFrom(type)) continue;
                if (type.GetConstructor(Type.EmptyTypes) is null)
                    throw new ArgumentException($"{where}: codec {type.FullName} has no public parameterless constructor");
                var codec = (ITransactionCodec)Activator.CreateInstance(type)!;
                try
                {
                    registry.Register(codec);
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"{where}: codec {type.FullName}: {e.Message}");
                }
                registered++;
            }
            if (registered == 0) throw new ArgumentException($"{where}: the assembly has no public ITransactionCodec class");
        }
        return registry;
    }

    private static Type[] ExportedTypes(string path, string where)
    {
        try
        {
            var resolver = new AssemblyDependencyResolver(path);
            AssemblyLoadContext.Default.Resolving += (context, name) =>
                resolver.ResolveAssemblyToPath(name) is { } dependency ? context.LoadFromAssemblyPath(dependency) : null;
            return AssemblyLoadContext.Default.LoadFromAssemblyPath(path).GetExportedTypes();
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException or TypeLoadException)
        {
            throw new ArgumentException($"{where}: cannot load it: {e.Message}");
        }
    }
}
