using System.Collections.Frozen;
using System.IO.Compression;

namespace Delivery.Formats.Compression;

/// <summary>
/// The codecs a host can configure, by format. <see cref="BuiltIn"/> holds the ones Delivery ships; a host or plugin
/// adds more with <see cref="With"/>, which returns a new registry and leaves the original untouched.
/// </summary>
public sealed class CompressionCodecs
{
    private readonly FrozenDictionary<CompressionFormat, Func<CompressionLevel, ICompressionCodec>> _factories;

    /// <summary>Uncompressed, gzip, ZIP, framed Snappy and Hadoop-Snappy.</summary>
    public static CompressionCodecs BuiltIn { get; } = new(new Dictionary<CompressionFormat, Func<CompressionLevel, ICompressionCodec>>
    {
        [CompressionFormat.Uncompressed] = _ => UncompressedCodec.Instance,
        [CompressionFormat.Gzip] = level => new GzipCodec(level),
        [CompressionFormat.Zip] = level => new ZipCodec(level),
        [CompressionFormat.Snappy] = _ => SnappyFramedCodec.Instance,
        [CompressionFormat.HadoopSnappy] = _ => HadoopSnappyCodec.Instance,
    });

    /// <summary>Creates a registry from a factory per format; each factory receives the configured level.</summary>
    public CompressionCodecs(IReadOnlyDictionary<CompressionFormat, Func<CompressionLevel, ICompressionCodec>> factories)
    {
        ArgumentNullException.ThrowIfNull(factories);
        _factories = factories.ToFrozenDictionary();
    }

    /// <summary>The formats this registry can create a codec for.</summary>
    public IReadOnlyCollection<CompressionFormat> SupportedFormats => _factories.Keys;

    public bool Supports(CompressionFormat format) => _factories.ContainsKey(format);

    /// <summary>Creates the codec for <paramref name="format"/> at <paramref name="level"/> (formats without levels ignore it).</summary>
    /// <exception cref="NotSupportedException">No codec is registered for <paramref name="format"/>.</exception>
    public ICompressionCodec Create(CompressionFormat format, CompressionLevel level = CompressionLevel.Fastest)
    {
        if (!_factories.TryGetValue(format, out Func<CompressionLevel, ICompressionCodec>? factory))
        {
            throw new NotSupportedException(
                $"Compression format '{format}' is not available; supported: {string.Join(", ", _factories.Keys.Order())}.");
        }

        ICompressionCodec codec = factory(level);
        if (codec.Format != format)
        {
            throw new InvalidOperationException($"The codec registered for '{format}' reports format '{codec.Format}'.");
        }

        return codec;
    }

    /// <summary>A registry with every codec of this one plus <paramref name="factory"/> for <paramref name="format"/>, replacing any existing one.</summary>
    public CompressionCodecs With(CompressionFormat format, Func<CompressionLevel, ICompressionCodec> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var factories = new Dictionary<CompressionFormat, Func<CompressionLevel, ICompressionCodec>>(_factories)
        {
            [format] = factory,
        };
        return new CompressionCodecs(factories);
    }
}
