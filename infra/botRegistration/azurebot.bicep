// The Azure Bot resource: its Entra app, the Teams channel, and the OAuth connection Teams SSO exchanges tokens at.
// Follows the Agents Toolkit's bot registration module (botServices + MsTeamsChannel) and adds the connection as
// garrytrinder/msteams-bot-msgraph-azbot's infra/botRegistration/azurebot.bicep does (Azure AD v2 provider).

@maxLength(42)
param botDisplayName string

@description('Globally unique name of the bot resource')
param botServiceName string

param botServiceSku string = 'F0'

@description('The bot\'s Entra application (client) id = BOT_ID = MicrosoftAppId')
param botAadAppClientId string

@secure()
@description('Client secret of that app (SECRET_BOT_PASSWORD, from env/.env.<env>.user; never in a committed file)')
param botAadAppClientSecret string

@description('Tenant of the Entra app (written by aadApp/create)')
param botTenantId string

@allowed(['SingleTenant', 'MultiTenant'])
@description('Must match the Entra app\'s signInAudience: SingleTenant = AzureADMyOrg, MultiTenant = AzureADMultipleOrgs')
param microsoftAppType string = 'SingleTenant'

@description('Messaging endpoint, https://<host>/api/messages')
param messagingEndpoint string

@description('Name of the OAuth connection = OAUTH_CONNECTION_NAME')
param oauthConnectionName string

@description('The Entra app\'s Application ID URI, api://botid-<BOT_ID>: Token Exchange URL of the connection, and webApplicationInfo.resource of the Teams manifest')
param ssoResource string

resource botService 'Microsoft.BotService/botServices@2022-09-15' = {
  kind: 'azurebot'
  location: 'global'
  name: botServiceName
  sku: {
    name: botServiceSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: messagingEndpoint
    msaAppId: botAadAppClientId
    msaAppType: microsoftAppType
    msaAppTenantId: microsoftAppType == 'SingleTenant' ? botTenantId : ''
  }
}

// Connect the bot service to Microsoft Teams
resource botServiceMsTeamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: botService
  location: 'global'
  name: 'MsTeamsChannel'
  properties: {
    channelName: 'MsTeamsChannel'
  }
}

// The OAuth connection: Teams SSO tokens for api://botid-<BOT_ID> are exchanged here (Token Exchange URL), and its
// sign-in asks only for the bot's own access_as_user scope; the bot gets Graph tokens on behalf of the user (MSAL).
resource botServiceSsoConnection 'Microsoft.BotService/botServices/connections@2022-09-15' = {
  parent: botService
  name: oauthConnectionName
  location: 'global'
  properties: {
    serviceProviderDisplayName: 'Azure Active Directory v2'
    serviceProviderId: '30dd229c-58e3-4a48-bdfd-91ec48eb906c'
    clientId: botAadAppClientId
    clientSecret: botAadAppClientSecret
    scopes: '${ssoResource}/access_as_user'
    parameters: [
      {
        key: 'tenantID'
        value: microsoftAppType == 'SingleTenant' ? botTenantId : 'common'
      }
      {
        key: 'tokenExchangeUrl'
        value: ssoResource
      }
    ]
  }
}

output botServiceName string = botService.name
output oauthConnectionName string = botServiceSsoConnection.name
