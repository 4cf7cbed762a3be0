using System.Collections;
using System.Reflection;
using Delivery.Worker.Configuration;

namespace Delivery.UnitTests.Worker.Configuration;

/// <summary>
/// Which names hold secrets and which part of a value is one. A secret's name is chosen by whoever writes the
/// configuration (a header, a plugin setting, a common attribute), so the rule is a pattern, not a list of settings.
/// </summary>
public sealed class SecretSettingsTests
{
    [Theory]
    [InlineData("AccessKey")]
    [InlineData("Authorization")]
    [InlineData("Proxy-Authorization")]
    [InlineData("X-Api-Key")]
    [InlineData("apiKey")]
    [InlineData("api_key")]
    [InlineData("key")]
    [InlineData("ACCESS_KEY_ID")]
    [InlineData("SECRET_ACCESS_KEY")]
    [InlineData("MASTER_SYMMETRIC_KEY")]
    [InlineData("privateKey")]
    [InlineData("dbPassword")]
    [InlineData("PGPASSWORD")]
    [InlineData("Pwd")]
    [InlineData("ClientSecret")]
    [InlineData("X-Auth-Token")]
    [InlineData("SESSION_TOKEN")]
    [InlineData("CREDENTIALS")]
    [InlineData("Cookie")]
    [InlineData("basic-auth")]
    [InlineData("Passphrase")]
    public void ANameThatSaysSecret_IsSecret(string name) => SecretSettings.IsSecret(name).ShouldBeTrue();

    [Theory]
    [InlineData("KeyColumns")]
    [InlineData("MetadataExtractionQuery")]
    [InlineData("ColumnToJsonKeyMappings")]
    [InlineData("LambdaArn")]
    [InlineData("IamRoleArn")]
    [InlineData("SourceArn")]
    [InlineData("PartitionKey")]
    [InlineData("partition_key")]
    [InlineData("SortKey")]
    [InlineData("X-Tenant")]
    [InlineData("region")]
    [InlineData("Prefix")]
    [InlineData("ConnectionString")]
    [InlineData("SecretAccessKeyVariable")]
    [InlineData("PASSWORD_VARIABLE")]
    public void ANameOfDataOrOfAValueWithSecretParts_IsNotSecretAsAWhole(string name) => SecretSettings.IsSecret(name).ShouldBeFalse();

    [Fact]
    public void OfDeliverysOwnSettings_OnlyTheAccessKeysAreSecretByTheirName()
    {
        // Anything else hidden whole would make describe print "(hidden)" where a number or a list should be. Direct
        // PUT's AccessKeyId is hidden too, as ACCESS_KEY_ID is in COPY options; the name of the variable holding its
        // secret is shown.
        SettingNames(typeof(DeliveryOptions), []).Where(SecretSettings.IsSecret).Distinct().Order(StringComparer.Ordinal).ShouldBe(["AccessKey", "AccessKeyId"]);
    }

    [Theory]
    [InlineData("ConnectionString", "Host=h;Port=5439;Database=d;Username=u;Password=pgsecret;SSL Mode=Require", "Host=h;Port=5439;Database=d;Username=u;Password=(hidden);SSL Mode=Require")]
    [InlineData("ConnectionString", "Host=h; PWD = 'pg;secret' ;Database=d", "Host=h; PWD =(hidden);Database=d")]
    [InlineData("dsn", "Server=s;User Id=u;SSL Password=\"a;\"\"b\";Encrypt=true", "Server=s;User Id=u;SSL Password=(hidden);Encrypt=true")]
    [InlineData("Url", "https://user:urlpass@receiver.example.com:8443/in?api_key=querysecret&env=prod", "https://(hidden)@receiver.example.com:8443/in?api_key=(hidden)&env=(hidden)")]
    [InlineData("endpoint", "mongodb://reader:mongosecret@db.example.com/app", "mongodb://(hidden)@db.example.com/app")]
    [InlineData("Url", "https://receiver.example.com/in?querysecret#fragmentsecret", "https://receiver.example.com/in?(hidden)#(hidden)")]
    [InlineData("CopyOptions", "FORMAT AS JSON 'auto' ACCESS_KEY_ID 'AKIAEXAMPLE' SECRET_ACCESS_KEY 'copy''secret' SESSION_TOKEN 'tok'", "FORMAT AS JSON 'auto' ACCESS_KEY_ID '(hidden)' SECRET_ACCESS_KEY '(hidden)' SESSION_TOKEN '(hidden)'")]
    [InlineData("Authorization", "Bearer headersecret", "(hidden)")]
    [InlineData("X-Api-Key", "https://looks.like/a/url", "(hidden)")]
    public void Redact_HidesTheSecretPartOfAValue(string name, string value, string shown) => SecretSettings.Redact(name, value).ShouldBe(shown);

    [Theory]
    [InlineData("Url", "https://receiver.example.com/v1/input")]
    [InlineData("Endpoint", "http://localhost:4318")]
    [InlineData("Prefix", "year=!{timestamp:yyyy}/month=!{timestamp:MM}/")]
    [InlineData("ErrorOutputPrefix", "errors/!{firehose:error-output-type}/")]
    [InlineData("MetadataExtractionQuery", "{customer_id: .customer.id, url: .link // \"https://x.example/?a=b\"}")]
    [InlineData("CopyOptions", "FORMAT AS JSON 'auto' TIMEFORMAT 'auto'")]
    [InlineData("ConnectionString", "Host=h;Port=5439;Database=d;Username=u;SSL Mode=Require")]
    [InlineData("Directory", "/opt/delivery/plugins/enrich")]
    public void Redact_LeavesAValueWithoutSecretsAsItIs(string name, string value) => SecretSettings.Redact(name, value).ShouldBe(value);

    private static IEnumerable<string> SettingNames(Type type, HashSet<Type> seen)
    {
        if (!seen.Add(type))
        {
            yield break;
        }

        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null))
        {
            yield return property.Name;
            Type target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            Type? nested = target.IsGenericType && typeof(IEnumerable).IsAssignableFrom(target) ? target.GetGenericArguments()[^1] : target;
            if (!ConfigurationTypes.IsScalar(nested))
            {
                foreach (string name in SettingNames(nested, seen))
                {
                    yield return name;
                }
            }
        }
    }
}
