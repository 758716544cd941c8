// Environments "dev" and "prod": an App Service (Linux, Node 20) running the built bot, the Azure Bot with the Teams
// channel and its OAuth connection, and, for several instances, a storage account the bot reaches with its managed
// identity. Applied by arm/deploy in m365agents.yml with azure.parameters.json (placeholders from env/.env.<env>
// and env/.env.<env>.user). Structure after the Agents Toolkit's TypeScript bot template, templates/vsc/ts/default-bot/infra/azure.bicep.

@maxLength(20)
@minLength(4)
@description('Used to generate names for all resources in this file (globally unique: App Service, bot, storage)')
param resourceBaseName string = 'bkbot${uniqueString(resourceGroup().id)}'

param location string = resourceGroup().location

@description('App Service plan SKU; B1 is the smallest with Always On')
param webAppSKU string = 'B1'

@maxLength(42)
param botDisplayName string

@description('The bot\'s Entra application (client) id = BOT_ID')
param botAadAppClientId string

@secure()
@description('SECRET_BOT_PASSWORD, from env/.env.<env>.user; becomes the app setting MicrosoftAppPassword')
param botAadAppClientSecret string

param botTenantId string

@allowed(['SingleTenant', 'MultiTenant'])
param microsoftAppType string = 'SingleTenant'

param oauthConnectionName string

@description('api://botid-<BOT_ID>')
param ssoResource string

@allowed(['true', 'false'])
@description('"true": a storage account shared by every instance (STORAGE_ACCOUNT_URL, no keys); "false": one instance, state in memory')
param sharedStorage string = 'false'

param storageContainer string = 'bookings-bot'

var shared = sharedStorage == 'true'
// Known before the account exists (the account needs the App Service's identity, so the URL cannot come from it).
var storageAccountUrl = 'https://${resourceBaseName}.blob.${environment().suffixes.storage}'

resource serverfarm 'Microsoft.Web/serverfarms@2023-12-01' = {
  kind: 'linux'
  location: location
  name: resourceBaseName
  sku: {
    name: webAppSKU
  }
  properties: {
    reserved: true // Linux
  }
}

// The settings the bot reads (README, "Configuration"). The secret comes from a @secure() parameter.
var botSettings = [
  { name: 'MicrosoftAppId', value: botAadAppClientId }
  { name: 'MicrosoftAppPassword', value: botAadAppClientSecret }
  { name: 'MicrosoftAppTenantId', value: botTenantId }
  { name: 'MicrosoftAppType', value: microsoftAppType }
  { name: 'OAUTH_CONNECTION_NAME', value: oauthConnectionName }
]
var hostSettings = [
  { name: 'NODE_ENV', value: 'production' }
  // The zip holds dist/ and production node_modules, built by the deploy step: nothing to build on the host.
  { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'false' }
  { name: 'WEBSITE_RUN_FROM_PACKAGE', value: '1' }
]
// With WEBSITE_RUN_FROM_PACKAGE the app folder is read-only: a single instance keeps its audit files under /home.
var storageSettings = shared
  ? [
      { name: 'STORAGE_ACCOUNT_URL', value: storageAccountUrl }
      { name: 'STORAGE_CONTAINER', value: storageContainer }
    ]
  : [
      { name: 'AUDIT_DIR', value: '/home/data/bookings-bot/audit' }
    ]

resource webApp 'Microsoft.Web/sites@2023-12-01' = {
  kind: 'app,linux'
  location: location
  name: resourceBaseName
  identity: {
    // DefaultAzureCredential finds it through IDENTITY_ENDPOINT/IDENTITY_HEADER; granted Blob access below.
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: serverfarm.id
    httpsOnly: true
    clientAffinityEnabled: false
    siteConfig: {
      linuxFxVersion: 'NODE|20-lts'
      appCommandLine: 'node --max-semi-space-size=64 dist/index.js'
      healthCheckPath: '/healthz'
      alwaysOn: true
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: concat(hostSettings, botSettings, storageSettings)
    }
  }
}

module storage './storage.bicep' = if (shared) {
  name: 'Bot-state-storage'
  params: {
    storageAccountName: resourceBaseName
    location: location
    containerName: storageContainer
    readerWriterPrincipalId: webApp.identity.principalId
  }
}

module azureBotRegistration './botRegistration/azurebot.bicep' = {
  name: 'Azure-Bot-registration'
  params: {
    botServiceName: resourceBaseName
    botDisplayName: botDisplayName
    botAadAppClientId: botAadAppClientId
    botAadAppClientSecret: botAadAppClientSecret
    botTenantId: botTenantId
    microsoftAppType: microsoftAppType
    messagingEndpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    oauthConnectionName: oauthConnectionName
    ssoResource: ssoResource
  }
}

// Outputs are written to env/.env.<env> by arm/deploy (https://aka.ms/teamsfx-actions/arm-deploy).
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ENDPOINT string = 'https://${webApp.properties.defaultHostName}'
output BOT_SERVICE_NAME string = azureBotRegistration.outputs.botServiceName
