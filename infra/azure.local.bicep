// Environment "local" (F5): only the Azure Bot and its OAuth connection; the bot itself runs on this machine,
// reached through the dev tunnel (BOT_ENDPOINT). Applied by arm/deploy in m365agents.local.yml.

param botAadAppClientId string

// F5 keeps the client secret: a federated credential needs a managed identity, which a developer's machine lacks.
@secure()
param botAadAppClientSecret string

param botTenantId string

@allowed(['SingleTenant', 'MultiTenant'])
param microsoftAppType string = 'SingleTenant'

@maxLength(42)
param botDisplayName string

@description('The dev tunnel\'s https URL (BOT_ENDPOINT)')
param botEndpoint string

param oauthConnectionName string

param ssoResource string

@maxLength(20)
@minLength(4)
@description('bkbot + RESOURCE_SUFFIX (env/.env.local, each developer\'s own; the Toolkit fills it when empty): one Azure Bot per developer, even in a shared resource group')
param resourceBaseName string

module azureBotRegistration './botRegistration/azurebot.bicep' = {
  name: 'Azure-Bot-registration'
  params: {
    botServiceName: resourceBaseName
    botDisplayName: botDisplayName
    botAadAppClientId: botAadAppClientId
    botAadAppClientSecret: botAadAppClientSecret
    botTenantId: botTenantId
    microsoftAppType: microsoftAppType
    messagingEndpoint: '${botEndpoint}/api/messages'
    oauthConnectionName: oauthConnectionName
    ssoResource: ssoResource
  }
}

// The output will be persisted in env/.env.local by arm/deploy.
output BOT_SERVICE_NAME string = azureBotRegistration.outputs.botServiceName
