namespace Oakestra.Actors.Root.Tests.Api;

/// <summary>SLA documents in the reference's shape.</summary>
public static class Slas
{
    public static string One(string app, string service = "web", string addresses = "{}", string port = "\"80\"") => $$"""
        {
          "sla_version": "v2.0",
          "customerID": "Admin",
          "applications": [{
            "applicationID": "",
            "application_name": "{{app}}",
            "application_namespace": "test",
            "application_desc": "test application",
            "microservices": [{
              "microserviceID": "",
              "microservice_name": "{{service}}",
              "microservice_namespace": "test",
              "virtualization": "container",
              "cmd": ["sh", "-c", "demo"],
              "memory": 100,
              "vcpus": 1,
              "code": "oak-demo --port 80",
              "port": {{port}},
              "addresses": {{addresses}},
              "constraints": []
            }]
          }]
        }
        """;

    public static string ServiceId(string app, string service = "web") => $"{app}.test.{service}.test";
}
