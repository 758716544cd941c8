// Environment "local" (F5): only the Azure Bot and its OAuth connection; the bot itself runs on this machine,
// reached through the dev tunnel (BOT_ENDPOINT). Applied by arm/deploy in m365agents.local.yml.

param botAadAppClientId string

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
param resourceBaseName string = 'bkbot${uniqueString(resourceGroup().id, 'local')}'

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
